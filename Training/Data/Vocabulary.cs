// Vocabulary: the sorted distinct characters (Unicode code points) of a corpus, as char-rnn and the
// usual PyTorch char-LM scripts build it. Saved with every checkpoint so sampling and resuming decode the same ids.
using System.Text;

namespace Engine.Training.Data;

/// <summary>The characters of a corpus (Unicode code points), each with an id in sorted order.</summary>
public sealed class Vocabulary
{
    private readonly Dictionary<int, int> idOf = new();

    /// <summary>The code points, in id order.</summary>
    public IReadOnlyList<int> CodePoints { get; }

    /// <summary>Number of characters V.</summary>
    public int Size => CodePoints.Count;

    /// <summary>The vocabulary of these code points, sorted, duplicates removed.</summary>
    public Vocabulary(IEnumerable<int> codePoints)
    {
        CodePoints = codePoints.Distinct().Order().ToList();
        for (int i = 0; i < CodePoints.Count; i++) idOf[CodePoints[i]] = i;
    }

    /// <summary>The vocabulary of the characters in text.</summary>
    public static Vocabulary Of(string text) => new(text.EnumerateRunes().Select(r => r.Value));

    /// <summary>Whether the code point has an id.</summary>
    public bool Contains(int codePoint) => idOf.ContainsKey(codePoint);

    /// <summary>The ids of the characters of text; a character outside the vocabulary is refused in one line.</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length);
        foreach (var r in text.EnumerateRunes())
        {
            if (!idOf.TryGetValue(r.Value, out int id))
                throw new ArgumentException($"character '{r}' (U+{r.Value:X4}) is not in the vocabulary of {Size} characters");
            ids.Add(id);
        }
        return ids.ToArray();
    }

    /// <summary>The text of a sequence of ids.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var sb = new StringBuilder();
        foreach (int id in ids) sb.Append(new Rune(CodePoints[id]).ToString());
        return sb.ToString();
    }

    /// <summary>The vocabulary as one string (for checkpoint metadata); Parse reverses it.</summary>
    public override string ToString() => Decode(Enumerable.Range(0, Size));

    /// <summary>The vocabulary whose ToString is characters.</summary>
    public static Vocabulary Parse(string characters)
    {
        var v = Of(characters);
        if (v.Size != characters.EnumerateRunes().Count())
            throw new FormatException("a saved vocabulary repeats a character");
        return v;
    }
}
