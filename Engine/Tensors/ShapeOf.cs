// Small helpers on shapes (int arrays): element counts, formatting and checks with clear messages.
namespace Engine;

/// <summary>Element counts, formatting and checks of shapes.</summary>
public static class ShapeOf
{
    /// <summary>The number of elements of a shape (1 for a scalar).</summary>
    public static int Numel(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension {d} in shape {Format(shape)}");
            n *= d;
            if (n > int.MaxValue) throw new ArgumentException($"shape {Format(shape)} has more than {int.MaxValue} elements");
        }
        return (int)n;
    }

    /// <summary>A shape as "[a, b, c]".</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Whether two shapes are equal.</summary>
    public static bool Same(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>Throws naming both tensors and both shapes unless the shapes are equal.</summary>
    public static void RequireSame(string op, Tensor a, Tensor b)
    {
        if (!Same(a.Shape, b.Shape))
            throw new ArgumentException($"{op}: shapes {Format(a.Shape)} and {Format(b.Shape)} differ");
    }

    /// <summary>Throws, naming op and what, unless t has length elements.</summary>
    public static void RequireLength(string op, string what, Tensor t, int length)
    {
        if (t.Length != length)
            throw new ArgumentException($"{op}: {what} has {t.Length} elements {Format(t.Shape)}, expected {length}");
    }
}
