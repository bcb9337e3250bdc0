// Reductions and losses: sum, mean, mean squared error, embedding lookup, fused softmax cross-entropy.
namespace Engine;

public sealed partial class Graph
{
    /// <summary>The sum of every element of x, as a scalar.</summary>
    public Var Sum(Var x) => ScaledSum(x, 1.0);

    /// <summary>The mean of every element of x, as a scalar.</summary>
    public Var Mean(Var x) => ScaledSum(x, x.Value.Length == 0 ? 0 : 1.0 / x.Value.Length);

    /// <summary>y = scale * sum(x); dX += scale * dY (dY broadcast).</summary>
    private Var ScaledSum(Var x, double scale)
    {
        bool tracked = Tracks(x);
        var y = Output([], tracked);
        Backend.ScaledSum(x.Value, scale, y.Value);
        if (tracked)
            Record(() =>
            {
                if (y.Grad is not null) Backend.AddScaledScalar(y.Grad, scale, GradOf(x));
            });
        return y;
    }

    /// <summary>mean((a - b)^2); dA = 2 (a - b) / n * dY, dB = -dA.</summary>
    public Var MeanSquaredError(Var a, Var b)
    {
        ShapeOf.RequireSame("MeanSquaredError", a.Value, b.Value);
        bool tracked = Tracks(a, b);
        var diff = Scratch(a.Shape, zeroed: false);
        Backend.Sub(a.Value, b.Value, diff);
        int n = a.Value.Length;
        var y = Output([], tracked);
        Backend.Upload([(float)(Backend.Dot(diff, diff) / n)], y.Value);
        if (tracked)
            Record(() =>
            {
                if (y.Grad is null) return;
                float coef = (float)(2.0 * ScalarOf(y.Grad) / n);
                if (a.RequiresGrad) Backend.Axpy(coef, diff, GradOf(a));
                if (b.RequiresGrad) Backend.Axpy(-coef, diff, GradOf(b));
            });
        return y;
    }

    /// <summary>Rows of table [V, E] picked by ids: [N, E]. Only the table receives a gradient.</summary>
    public Var Embedding(Var table, int[] ids)
    {
        if (table.Value.Rank != 2) throw new ArgumentException($"Embedding: table must be 2-D, got {ShapeOf.Format(table.Shape)}");
        int vocab = table.Shape[0];
        foreach (int id in ids)
            if ((uint)id >= (uint)vocab)
                throw new ArgumentException($"Embedding: id {id} is outside the table's {vocab} rows");
        bool tracked = Tracks(table);
        var y = Output([ids.Length, table.Shape[1]], tracked);
        Backend.EmbeddingForward(table.Value, ids, y.Value);
        if (tracked)
            Record(() =>
            {
                if (y.Grad is not null) Backend.EmbeddingBackward(y.Grad, ids, GradOf(table));
            });
        return y;
    }

    /// <summary>
    /// Mean over rows of -log softmax(logits)[target]. Fused: the forward keeps the probabilities,
    /// and dLogits = (probs - onehot) / N * dY, so no log-probabilities are ever materialised.
    /// </summary>
    public Var SoftmaxCrossEntropy(Var logits, int[] targets)
    {
        if (logits.Value.Rank != 2 || logits.Shape[0] != targets.Length)
            throw new ArgumentException($"SoftmaxCrossEntropy: logits {ShapeOf.Format(logits.Shape)} do not match {targets.Length} targets");
        int classes = logits.Shape[1];
        foreach (int t in targets)
            if ((uint)t >= (uint)classes)
                throw new ArgumentException($"SoftmaxCrossEntropy: target {t} is outside the {classes} classes");
        bool tracked = Tracks(logits);
        var probs = Scratch(logits.Shape, zeroed: false);
        var y = Output([], tracked);
        // The loss and its gradient seed stay on the backend's device: a GPU step reads neither.
        Backend.SoftmaxCrossEntropyMean(logits.Value, targets, probs, y.Value);
        if (tracked)
            Record(() =>
            {
                if (y.Grad is not null) Backend.SoftmaxCrossEntropyMeanBackward(probs, targets, y.Grad, GradOf(logits));
            });
        return y;
    }

    private float ScalarOf(Tensor t)
    {
        Span<float> one = stackalloc float[1];
        Backend.Download(t, one);
        return one[0];
    }
}
