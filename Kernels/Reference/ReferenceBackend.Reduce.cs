// Reference reductions, embedding and softmax cross-entropy.
namespace Engine.Kernels;

public partial class ReferenceBackend
{
    public virtual double Sum(Tensor x)
    {
        double s = 0;
        foreach (float v in x.Span()) s += v;
        return s;
    }

    public void ScaledSum(Tensor x, double scale, Tensor y)
    {
        ShapeOf.RequireLength("ScaledSum", "y", y, 1);
        y.Span()[0] = (float)(Sum(x) * scale);
    }

    public void AddScaledScalar(Tensor s, double scale, Tensor y)
    {
        ShapeOf.RequireLength("AddScaledScalar", "s", s, 1);
        float v = (float)(s.Span()[0] * scale);
        var Y = y.Span();
        for (int i = 0; i < Y.Length; i++) Y[i] += v;
    }

    public virtual double Dot(Tensor a, Tensor b)
    {
        ShapeOf.RequireLength("Dot", "second operand", b, a.Length);
        var A = a.Span(); var B = b.Span();
        double s = 0;
        for (int i = 0; i < A.Length; i++) s += (double)A[i] * B[i];
        return s;
    }

    public virtual void EmbeddingForward(Tensor table, int[] ids, Tensor y)
    {
        int e = EmbeddingChecks.Width("EmbeddingForward", table, ids, "output", y);
        var T = table.Span(); var Y = y.Span();
        for (int n = 0; n < ids.Length; n++)
            T.Slice(ids[n] * e, e).CopyTo(Y.Slice(n * e, e));
    }

    public virtual void EmbeddingBackward(Tensor dY, int[] ids, Tensor dTable)
    {
        int e = EmbeddingChecks.Width("EmbeddingBackward", dTable, ids, "dY", dY);
        var D = dY.Span(); var DT = dTable.Span();
        for (int n = 0; n < ids.Length; n++)
            for (int j = 0; j < e; j++) DT[ids[n] * e + j] += D[n * e + j];
    }

    public virtual double SoftmaxCrossEntropyForward(Tensor logits, int[] targets, Tensor probs)
    {
        ShapeOf.RequireSame("SoftmaxCrossEntropyForward", logits, probs);
        int v = logits.Columns;
        var L = logits.Span(); var P = probs.Span();
        double total = 0;
        for (int n = 0; n < targets.Length; n++)
        {
            var row = L.Slice(n * v, v);
            float max = float.NegativeInfinity;
            foreach (float x in row) max = MathF.Max(max, x);
            double sum = 0;
            for (int j = 0; j < v; j++) sum += Math.Exp(row[j] - max);
            for (int j = 0; j < v; j++) P[n * v + j] = (float)(Math.Exp(row[j] - max) / sum);
            total += Math.Log(sum) + max - row[targets[n]];
        }
        return total;
    }

    public virtual void SoftmaxCrossEntropyBackward(Tensor probs, int[] targets, float scale, Tensor dLogits)
    {
        ShapeOf.RequireSame("SoftmaxCrossEntropyBackward", probs, dLogits);
        int v = probs.Columns;
        var P = probs.Span(); var D = dLogits.Span();
        for (int n = 0; n < targets.Length; n++)
            for (int j = 0; j < v; j++)
                D[n * v + j] += scale * (P[n * v + j] - (j == targets[n] ? 1f : 0f));
    }
}

/// <summary>Argument checks of the embedding kernels, shared by the CPU backends.</summary>
public static class EmbeddingChecks
{
    /// <summary>The embedding width E; checks rows [N, E] against ids [N] and every id against the table's V rows.</summary>
    public static int Width(string op, Tensor table, int[] ids, string rowsName, Tensor rows)
    {
        int e = table.Columns;
        ShapeOf.RequireLength(op, rowsName, rows, ids.Length * e);
        int v = table.Rank == 0 ? 1 : ShapeOf.Numel(table.Shape[..^1]);
        foreach (int id in ids)
            if (id < 0 || id >= v) throw new ArgumentException($"{op}: id {id} is outside the table's {v} rows");
        return e;
    }
}
