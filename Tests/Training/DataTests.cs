// Corpus loading, vocabulary and the char-rnn stream batcher.
using System.Text;
using Engine.Training.Data;
using Xunit;

namespace Engine.Tests.Training;

public class DataTests
{
    [Fact]
    public void Built_in_corpus_matches_the_reference_split()
    {
        var c = TextCorpus.BuiltIn();
        // Figures of libtorch's char-LM on the same file: 65 characters, 1,003,854 for training, 111,540 for validation.
        Assert.Equal(65, c.Vocabulary.Size);
        Assert.Equal(1_003_854, c.Train.Length);
        Assert.Equal(111_540, c.Validation.Length);
        Assert.Equal("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", c.Vocabulary.ToString());
        Assert.StartsWith("First Citizen:", c.Vocabulary.Decode(c.Train.Take(14)));
    }

    [Fact]
    public void Vocabulary_round_trips_non_ascii_and_rejects_unknown_characters()
    {
        var v = Vocabulary.Of("héllo 😀 wörld");
        var ids = v.Encode("wörld 😀");
        Assert.Equal("wörld 😀", v.Decode(ids));
        Assert.Equal(v.ToString(), Vocabulary.Parse(v.ToString()).ToString());
        var ex = Assert.Throws<ArgumentException>(() => v.Encode("x"));
        Assert.Contains("'x'", ex.Message);
    }

    [Theory]
    [InlineData(new byte[0], "is empty")]
    [InlineData(new byte[] { 0x61, 0xC3, 0x28, 0x62 }, "not valid UTF-8")]
    [InlineData(new byte[] { 0x61, 0x00, 0x62, 0x63 }, "looks binary")]
    [InlineData(new byte[] { 0x61 }, "fewer than two characters")]
    public void Bad_corpus_bytes_give_one_clear_line(byte[] bytes, string expected)
    {
        var ex = Assert.Throws<CorpusException>(() => TextCorpus.FromBytes("x.txt", bytes));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("x.txt", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public void Missing_corpus_file_is_named()
    {
        var ex = Assert.Throws<CorpusException>(() => TextCorpus.Load("/no/such/corpus.txt"));
        Assert.Equal("corpus file '/no/such/corpus.txt' does not exist", ex.Message);
    }

    [Fact]
    public void Batcher_cuts_streams_time_major_and_wraps_once_per_epoch()
    {
        // 26 ids in 2 streams of 13: stream 0 = 0..12, stream 1 = 13..25. Windows of 4 (+1 target).
        var data = Enumerable.Range(0, 26).ToArray();
        var batcher = new StreamBatcher(data, batch: 2, sequenceLength: 4);
        Assert.Equal(3, batcher.StepsPerEpoch); // (13 - 1) / 4
        var x = new int[8]; var y = new int[8];
        Assert.False(batcher.Next(x, y));
        Assert.Equal(new[] { 0, 13, 1, 14, 2, 15, 3, 16 }, x);
        Assert.Equal(new[] { 1, 14, 2, 15, 3, 16, 4, 17 }, y);
        Assert.False(batcher.Next(x, y));
        Assert.Equal(new[] { 4, 17, 5, 18, 6, 19, 7, 20 }, x);
        Assert.False(batcher.Next(x, y));
        Assert.Equal(new[] { 8, 21, 9, 22, 10, 23, 11, 24 }, x);
        Assert.Equal(new[] { 9, 22, 10, 23, 11, 24, 12, 25 }, y);
        Assert.True(batcher.Next(x, y)); // position 12 + 5 > 13: wrap to the start
        Assert.Equal(new[] { 0, 13, 1, 14, 2, 15, 3, 16 }, x);
    }

    [Fact]
    public void Corpus_shorter_than_one_sequence_is_refused()
    {
        var ex = Assert.Throws<CorpusException>(() => new StreamBatcher(new int[20], batch: 4, sequenceLength: 5));
        Assert.Equal("the text has 20 characters, too few for 4 streams of one sequence of 5 + 1", ex.Message);
    }
}
