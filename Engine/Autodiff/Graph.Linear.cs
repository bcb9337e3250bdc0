// Linear ops: matrix multiply (with transposes), PyTorch-layout Linear, and bias broadcast.
namespace Engine;

public sealed partial class Graph
{
    /// <summary>
    /// y = op(a) @ op(b) for 2-D a, b. With C = A B: dA = dC B^T and dB = A^T dC; the transposed
    /// variants follow by transposing both sides, so each backward is one GEMM, which overwrites a
    /// gradient with nothing in it yet and adds to one that has (GradForProduct).
    /// </summary>
    public Var MatMul(Var a, Var b, bool transA = false, bool transB = false)
    {
        if (a.Value.Rank != 2 || b.Value.Rank != 2)
            throw new ArgumentException($"MatMul needs 2-D operands, got {ShapeOf.Format(a.Shape)} and {ShapeOf.Format(b.Shape)}");
        int m = transA ? a.Shape[1] : a.Shape[0];
        int k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0];
        int n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb)
            throw new ArgumentException($"MatMul: inner sizes differ: {ShapeOf.Format(a.Shape)}{(transA ? "^T" : "")} @ {ShapeOf.Format(b.Shape)}{(transB ? "^T" : "")}");
        bool tracked = Tracks(a, b);
        var y = Output([m, n], tracked);
        Backend.Gemm(transA, transB, m, n, k, 1f, a.Value, b.Value, 0f, y.Value);
        if (tracked)
            Record(() =>
            {
                if (y.Grad is null) return;
                var dY = y.Grad;
                if (a.RequiresGrad)
                {
                    // dA (stored as a) = dY op(B)^T, or its transpose when A was transposed.
                    var dA = GradForProduct(a, out float beta);
                    if (!transA) Backend.Gemm(false, !transB, m, k, n, 1f, dY, b.Value, beta, dA);
                    else Backend.Gemm(transB, true, k, m, n, 1f, b.Value, dY, beta, dA);
                }
                if (b.RequiresGrad)
                {
                    // dB (stored as b) = op(A)^T dY, or its transpose when B was transposed.
                    var dB = GradForProduct(b, out float beta);
                    if (!transB) Backend.Gemm(!transA, false, k, n, m, 1f, a.Value, dY, beta, dB);
                    else Backend.Gemm(true, transA, n, k, m, 1f, dY, a.Value, beta, dB);
                }
            });
        return y;
    }

    /// <summary>y[r, c] = x[r, c] + bias[c]; dBias is the column sum of dY.</summary>
    public Var AddBias(Var x, Var bias)
    {
        if (bias.Value.Rank != 1 || bias.Shape[0] != x.Value.Columns)
            throw new ArgumentException($"AddBias: bias {ShapeOf.Format(bias.Shape)} does not match the last axis of {ShapeOf.Format(x.Shape)}");
        bool tracked = Tracks(x, bias);
        var y = Output(x.Shape, tracked);
        Backend.AddBias(x.Value, bias.Value, y.Value);
        if (tracked)
            Record(() =>
            {
                if (y.Grad is null) return;
                if (x.RequiresGrad) Backend.Axpy(1f, y.Grad, GradOf(x));
                if (bias.RequiresGrad) Backend.BiasBackward(y.Grad, GradOf(bias));
            });
        return y;
    }

    /// <summary>PyTorch's nn.Linear: y = x W^T + b with W stored [out, in].</summary>
    public Var Linear(Var x, Var weight, Var? bias)
    {
        var y = MatMul(x, weight, transB: true);
        return bias is null ? y : AddBias(y, bias);
    }
}
