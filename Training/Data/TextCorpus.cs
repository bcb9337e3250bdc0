// TextCorpus: a UTF-8 text file (or the built-in tiny Shakespeare) turned into character ids, split
// 90/10 into training and validation text. Bad files fail here with one clear line (CorpusException).
using System.IO.Compression;
using System.Text;

namespace Engine.Training.Data;

/// <summary>A corpus that cannot be read or used; the message says why, in one line.</summary>
/// <param name="message">What is wrong with the corpus.</param>
public sealed class CorpusException(string message) : UserFacingException(message);

/// <summary>A text encoded by its vocabulary and split into training and validation ids.</summary>
public sealed class TextCorpus
{
    /// <summary>The name of the built-in corpus (tiny Shakespeare).</summary>
    public const string BuiltInName = "tinyshakespeare";

    /// <summary>The corpus's name (the file name, or the built-in's).</summary>
    public required string Name { get; init; }
    /// <summary>Its characters and their ids.</summary>
    public required Vocabulary Vocabulary { get; init; }
    /// <summary>The training ids.</summary>
    public required int[] Train { get; init; }
    /// <summary>The validation ids (the end of the text).</summary>
    public required int[] Validation { get; init; }

    /// <summary>The built-in corpus, shipped gzip-compressed inside the program.</summary>
    public static TextCorpus BuiltIn()
    {
        using var resource = typeof(TextCorpus).Assembly.GetManifestResourceStream("tinyshakespeare.txt.gz")
            ?? throw new CorpusException("the built-in corpus is missing from this build");
        using var gzip = new GZipStream(resource, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return FromBytes(BuiltInName, buffer.ToArray());
    }

    /// <summary>The largest corpus file accepted: read whole, decoded and encoded as ids, it takes about 7 bytes a character.</summary>
    public const long MaxBytes = 256L << 20;

    /// <summary>"tinyshakespeare" for the built-in corpus, otherwise the path of a UTF-8 text file.</summary>
    public static TextCorpus Load(string nameOrPath)
    {
        if (nameOrPath == BuiltInName) return BuiltIn();
        if (nameOrPath.Trim().Length == 0)
            throw new CorpusException($"--corpus is empty; give a UTF-8 text file or '{BuiltInName}' for the built-in corpus");
        byte[] bytes = BoundedFile.Read(nameOrPath, "corpus file", MaxBytes, message => new CorpusException(message));
        return FromBytes(nameOrPath, bytes);
    }

    /// <summary>Validates and decodes UTF-8 bytes, then splits the first 90% for training and the rest for validation.</summary>
    public static TextCorpus FromBytes(string name, byte[] bytes)
    {
        if (bytes.Length == 0) throw new CorpusException($"corpus '{name}' is empty");
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException e)
        {
            throw new CorpusException($"corpus '{name}' is not valid UTF-8 text (bad byte at offset {e.Index})");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        int control = 0;
        foreach (char c in text)
        {
            if (c == '\0') throw new CorpusException($"corpus '{name}' looks binary (it contains NUL bytes)");
            if (char.IsControl(c) && c is not ('\n' or '\r' or '\t' or '\f')) control++;
        }
        if (control > text.Length / 100 + 1)
            throw new CorpusException($"corpus '{name}' looks binary ({control} control characters in {text.Length})");
        if (text.Length < 2) throw new CorpusException($"corpus '{name}' has fewer than two characters");

        var vocabulary = Vocabulary.Of(text);
        var ids = vocabulary.Encode(text);
        int trainLength = (int)(ids.Length * 0.9);
        return new TextCorpus
        {
            Name = name,
            Vocabulary = vocabulary,
            Train = ids[..trainLength],
            Validation = ids[trainLength..],
        };
    }
}
