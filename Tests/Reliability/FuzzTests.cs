// Fuzzing with a fixed seed: every random or mutated input to a loader ends in success or in the
// loader's own clean exception, never in another exception type (which would reach users as a crash).
using System.Text;
using Engine.Training.Checkpoints;
using Engine.Training.Data;
using Xunit;

namespace Engine.Tests.Reliability;

public class FuzzTests
{
    private const int Cases = 10_000;

    private static byte[] ValidCheckpoint()
    {
        var file = new SafeTensorsFile
        {
            Tensors =
            [
                new NamedTensor("embedding.weight", [3, 2], [1, 2, 3, 4, 5, 6]),
                new NamedTensor("lstm.weight_hh_l0", [4, 1], [0.5f, -0.5f, 0.25f, 8]),
                new NamedTensor("head.bias", [3], [0, 1, 2]),
            ],
            Metadata = new Dictionary<string, string> { ["step"] = "12", ["vocab"] = "abc", ["config"] = "{\"cell\":\"lstm\"}" },
        };
        using var ms = new MemoryStream();
        file.WriteTo(ms);
        return ms.ToArray();
    }

    /// <summary>One random mutation: bit flips, byte overwrites, truncation, insertion, or a splice of the header text.</summary>
    private static byte[] Mutate(byte[] original, Rng rng)
    {
        var bytes = new List<byte>(original);
        int edits = 1 + rng.NextInt(4);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = rng.NextInt(bytes.Count);
            switch (rng.NextInt(6))
            {
                case 0: bytes[at] ^= (byte)(1 << rng.NextInt(8)); break;
                case 1: bytes[at] = (byte)rng.NextInt(256); break;
                case 2: bytes.RemoveRange(at, bytes.Count - at); break;
                case 3: bytes.Insert(at, (byte)rng.NextInt(256)); break;
                case 4: bytes.RemoveAt(at); break;
                case 5:
                    // Header-aware: replace a digit or quote inside the JSON with another JSON-ish character.
                    const string Alphabet = "0123456789\"{}[],:-.eE ";
                    int inHeader = 8 + rng.NextInt(Math.Max(1, Math.Min(bytes.Count - 8, 200)));
                    if (inHeader < bytes.Count) bytes[inHeader] = (byte)Alphabet[rng.NextInt(Alphabet.Length)];
                    break;
            }
        }
        return bytes.ToArray();
    }

    [Fact]
    public void Safetensors_reader_survives_mutated_files()
    {
        var valid = ValidCheckpoint();
        var rng = new Rng(2026);
        int accepted = 0, rejected = 0;
        for (int i = 0; i < Cases; i++)
        {
            var input = i % 10 == 0 ? RandomBytes(rng, rng.NextInt(64)) : Mutate(valid, rng);
            try { SafeTensorsFile.Read(input); accepted++; }
            catch (SafeTensorsException e)
            {
                rejected++;
                Assert.DoesNotContain('\n', e.Message);
            }
        }
        // Both outcomes must occur: a fuzzer that only ever hits one branch is not exercising the reader.
        Assert.True(accepted > 0 && rejected > 0, $"accepted {accepted}, rejected {rejected}");
    }

    [Fact]
    public void Corpus_loader_survives_random_and_mutated_text()
    {
        var text = Encoding.UTF8.GetBytes("To be, or not to be: that is the question.\nWhether 'tis nobler in the mind — ünïcode ✓\n");
        var rng = new Rng(7);
        int accepted = 0, rejected = 0;
        for (int i = 0; i < Cases; i++)
        {
            var input = i % 3 == 0 ? RandomBytes(rng, rng.NextInt(200)) : Mutate(text, rng);
            try { TextCorpus.FromBytes("fuzz.txt", input); accepted++; }
            catch (CorpusException e)
            {
                rejected++;
                Assert.DoesNotContain('\n', e.Message);
            }
        }
        Assert.True(accepted > 0 && rejected > 0, $"accepted {accepted}, rejected {rejected}");
    }

    private static byte[] RandomBytes(Rng rng, int length)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte)rng.NextInt(256);
        return b;
    }
}
