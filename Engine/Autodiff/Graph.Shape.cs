// Shape ops: column slices (gate slicing) and column concatenation; each backward is the same copy reversed.
namespace Engine;

public sealed partial class Graph
{
    /// <summary>x[:, start:start+count] of a [R, C] tensor.</summary>
    public Var SliceColumns(Var x, int start, int count)
    {
        int columns = x.Value.Columns;
        if (start < 0 || count < 0 || start + count > columns)
            throw new ArgumentException($"SliceColumns: columns [{start}, {start + count}) are outside {ShapeOf.Format(x.Shape)}");
        int rows = x.Value.Rows;
        bool tracked = Tracks(x);
        var y = Output([rows, count], tracked);
        Backend.CopyColumns(x.Value, start, y.Value, 0, count, accumulate: false);
        if (tracked)
            Record(() =>
            {
                if (y.Grad is not null) Backend.CopyColumns(y.Grad, 0, GradOf(x), start, count, accumulate: true);
            });
        return y;
    }

    /// <summary>Concatenates [R, C_i] tensors along columns into [R, sum C_i].</summary>
    public Var ConcatColumns(params Var[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("ConcatColumns needs at least one tensor");
        int rows = parts[0].Value.Rows;
        int total = 0;
        foreach (var p in parts)
        {
            if (p.Value.Rows != rows)
                throw new ArgumentException($"ConcatColumns: {ShapeOf.Format(p.Shape)} has {p.Value.Rows} rows, expected {rows}");
            total += p.Value.Columns;
        }
        bool tracked = Tracks(parts);
        var y = Output([rows, total], tracked);
        int at = 0;
        foreach (var p in parts)
        {
            Backend.CopyColumns(p.Value, 0, y.Value, at, p.Value.Columns, accumulate: false);
            at += p.Value.Columns;
        }
        if (tracked)
            Record(() =>
            {
                if (y.Grad is null) return;
                int from = 0;
                foreach (var p in parts)
                {
                    if (p.RequiresGrad) Backend.CopyColumns(y.Grad, from, GradOf(p), 0, p.Value.Columns, accumulate: true);
                    from += p.Value.Columns;
                }
            });
        return y;
    }
}
