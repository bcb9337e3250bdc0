// The saveable Rng and the character sampler.
using Engine.Training.Sampling;
using Xunit;

namespace Engine.Tests.Training;

public class RngAndSamplerTests
{
    [Fact]
    public void Rng_state_round_trip_continues_the_same_stream()
    {
        var a = new Rng(42);
        for (int i = 0; i < 10; i++) a.NextULong();
        var saved = a.SaveState();
        var expected = Enumerable.Range(0, 5).Select(_ => a.NextULong()).ToArray();
        var b = new Rng(1);
        b.LoadState(saved);
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => b.NextULong()).ToArray());
    }

    [Fact]
    public void NextULongs_draws_what_NextULong_would_and_leaves_the_same_state()
    {
        var one = new Rng(9);
        var bulk = new Rng(9);
        var words = new ulong[1037];
        bulk.NextULongs(words);
        Assert.Equal(Enumerable.Range(0, words.Length).Select(_ => one.NextULong()).ToArray(), words);
        Assert.Equal(one.SaveState(), bulk.SaveState());
    }

    [Theory]
    [InlineData(0.35f, 1UL)]
    [InlineData(0.5f, 2UL)]   // p * 2^53 a whole number: the comparison's edge
    [InlineData(0.25f, 3UL)]
    [InlineData(0.1f, 4UL)]
    [InlineData(0.999f, 5UL)]
    public void Dropout_masks_are_the_bernoulli_draws_of_next_double(float p, ulong seed)
    {
        // The masks' integer comparison gives exactly the outcome of NextDouble() < p, word by word, and
        // drops close to a share p of the units.
        var expected = new Rng(seed);
        float keep = 1f / (1f - p);
        var mask = new float[5000];
        new Engine.Models.DropoutMasks(new Rng(seed)).Fill(p, mask);
        for (int i = 0; i < mask.Length; i++) Assert.Equal(expected.NextDouble() < p ? 0f : keep, mask[i]);
        double dropped = mask.Count(m => m == 0f) / (double)mask.Length;
        Assert.InRange(dropped, p - 0.03, p + 0.03);
    }

    [Fact]
    public void NextInt_covers_the_range_uniformly_enough()
    {
        var rng = new Rng(7);
        var counts = new int[5];
        for (int i = 0; i < 50_000; i++) counts[rng.NextInt(5)]++;
        // Expected 10,000 each; 4 standard deviations is about 360.
        Assert.All(counts, c => Assert.InRange(c, 9_640, 10_360));
    }

    [Fact]
    public void Sampler_temperature_zero_is_argmax_and_top1_is_argmax()
    {
        float[] logits = [0.1f, 2f, -1f, 1.9f];
        Assert.Equal(1, CharacterSampler.Pick(logits, 0f, 0, new Rng(1)));
        for (int seed = 0; seed < 50; seed++) Assert.Equal(1, CharacterSampler.Pick(logits, 1f, 1, new Rng((ulong)seed)));
    }

    [Fact]
    public void Sampler_top_k_never_picks_outside_the_k_best()
    {
        float[] logits = [3f, 2.5f, 0f, -1f, 2.9f];
        var rng = new Rng(11);
        var seen = new HashSet<int>();
        for (int i = 0; i < 2000; i++) seen.Add(CharacterSampler.Pick(logits, 2f, 3, rng));
        Assert.Equal(new HashSet<int> { 0, 1, 4 }, seen);
    }
}
