// Linear algebra kernels: matrix multiply and bias broadcast.
namespace Engine;

public partial interface IBackend
{
    /// <summary>
    /// C[M, N] = alpha * op(A) * op(B) + beta * C, where op(A) is [M, K] (A stored [K, M] when transA)
    /// and op(B) is [K, N] (B stored [N, K] when transB). beta = 1 accumulates; beta = 0 overwrites
    /// (C's old contents are ignored, even NaN).
    /// </summary>
    void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /// <summary>
    /// Prepares B (as Gemm reads it: [K, N], or stored [N, K] when transB) for many products with
    /// different left operands, the recurrent weights of a time loop being the case that matters: a
    /// backend may lay it out once (packing) instead of at every step. The result reflects B's values
    /// at the time of the call. reuse, when given, may be recycled to avoid allocating.
    /// </summary>
    PreparedMatrix Prepare(Tensor b, bool transB, int k, int n, PreparedMatrix? reuse = null);

    /// <summary>C[M, N] = alpha * op(A) * B + beta * C with a prepared B; otherwise exactly as Gemm.</summary>
    void Gemm(bool transA, int m, float alpha, Tensor a, PreparedMatrix b, float beta, Tensor c);

    /// <summary>y[r, c] = x[r, c] + bias[c]. x, y: [R, C]; bias: [C]. y may be x.</summary>
    void AddBias(Tensor x, Tensor bias, Tensor y);

    /// <summary>dBias[c] += sum over r of dY[r, c], summed in row order. dY: [R, C].</summary>
    void BiasBackward(Tensor dY, Tensor dBias);
}

/// <summary>A right-hand GEMM operand prepared by a backend (see IBackend.Prepare).</summary>
public class PreparedMatrix(Tensor source, bool transposed, int k, int n)
{
    public Tensor Source { get; } = source;
    public bool Transposed { get; } = transposed;
    public int K { get; } = k;
    public int N { get; } = n;
}
