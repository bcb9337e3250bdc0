// A right-hand GEMM operand prepared by GpuBackend: besides the source (which the tiled GEMM reads as
// it is), op(B) laid out row-major [K, N], which the LSTM step kernels read so that neighbouring units
// load neighbouring weights. W_hh prepared without transB already is that layout; with transB it is
// a transposed copy, made once per pass.
namespace Engine.Kernels.Gpu;

internal sealed class GpuPreparedMatrix(Tensor source, bool transposed, int k, int n, Tensor rows)
    : PreparedMatrix(source, transposed, k, n)
{
    /// <summary>op(B) [K, N], row-major: the source itself, or a copy owned by this matrix when transposed.</summary>
    public Tensor Rows { get; } = rows;
}
