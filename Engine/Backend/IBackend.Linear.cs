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

    /// <summary>y[r, c] = x[r, c] + bias[c]. x, y: [R, C]; bias: [C]. y may be x.</summary>
    void AddBias(Tensor x, Tensor bias, Tensor y);

    /// <summary>dBias[c] += sum over r of dY[r, c], summed in row order. dY: [R, C].</summary>
    void BiasBackward(Tensor dY, Tensor dBias);
}
