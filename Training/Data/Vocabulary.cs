// Vocabulary: the sorted distinct characters (Unicode code points) of a corpus, as char-rnn and the
// usual PyTorch char-LM scripts build it. Saved with every checkpoint so sampling and resuming decode the same ids.
using System.Text;

namespace Engine.Training.Data;

public sealed class Vocabulary
{
    private readonly Dictionary<int, int> idOf = new();

    /// <summary>The code points, in id order.</summary>
    public IReadOnlyList<int> CodePoints { get; }

    public int Size => CodePoints.Count;

    public Vocabulary(IEnumerable<int> codePoints)
    {
        CodePoints = codePoints.Distinct().Order().ToList();
        for (int i = 0; i < CodePoints.Count; i++) idOf[CodePoints[i]] = i;
    }

    public static Vocabulary Of(string text) => new(text.EnumerateRunes().Select(r => r.Value));

    public bool Contains(int codePoint) => idOf.ContainsKey(codePoint);

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

    public string Decode(IEnumerable<int> ids)
    {
        var sb = new StringBuilder();
        foreach (int id in ids) sb.Append(new Rune(CodePoints[id]).ToString());
        return sb.ToString();
    }

    /// <summary>The vocabulary as one string (for checkpoint metadata); Parse reverses it.</summary>
    public override string ToString() => Decode(Enumerable.Range(0, Size));

    public static Vocabulary Parse(string characters)
    {
        var v = Of(characters);
        if (v.Size != characters.EnumerateRunes().Count())
            throw new FormatException("a saved vocabulary repeats a character");
        return v;
    }
}
