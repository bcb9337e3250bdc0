// Linear-algebra family on ILGPU: the tiled GEMM (split over K by a second pass where GemmPlan says so) and the bias broadcast with its backward. The tiled
// GEMM stages B through shared memory as it is; a prepared matrix also holds op(B) row-major for the
// LSTM step kernels (GpuPreparedMatrix), a transposed copy when B is read transposed.
using ILGPU;
using ILGPU.Runtime;
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

public sealed partial class GpuBackend
{
    private Action<KernelConfig, GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? gemm;
    private Action<KernelConfig, GemmArgs, ArrayView<float>, ArrayView<float>>? sumSegments;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>>? addBias;
    private Action<KernelConfig, ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>>? biasBackward;
    private Action<KernelConfig, ArrayView<float>, int, int, ArrayView<float>>? biasBlockTotals;
    private Action<KernelConfig, ArrayView<float>, int, int, ArrayView<float>>? transpose;

    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        GemmChecks.Validate(m, n, k, a, b, c);
        var (va, vb, vc) = (View(a), View(b), View(c));
        if (m == 0 || n == 0) return;
        var plan = GemmPlan.For(m, n, k);
        var args = new GemmArgs(m, n, k, transA ? 1 : 0, transB ? 1 : 0, alpha, beta, plan.TileRows, plan.Segments, plan.SegmentLength);
        int tiles = (m + plan.TileRows - 1) / plan.TileRows * ((n + GemmKernel.Tile - 1) / GemmKernel.Tile);
        gemm ??= accelerator.LoadStreamKernel<GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(GemmKernel.Gemm);
        // The GEMM's 16 x 16 thread layout needs full groups, on every device.
        if (plan.Segments == 1)
        {
            gemm(Groups(tiles, KernelGeometry.GroupSize), args, va, vb, vc, vc);
            return;
        }
        var partials = floats.Take(plan.Segments * m * n);
        gemm(Groups((long)tiles * plan.Segments, KernelGeometry.GroupSize), args, va, vb, vc, partials);
        sumSegments ??= accelerator.LoadStreamKernel<GemmArgs, ArrayView<float>, ArrayView<float>>(GemmKernel.SumSegments);
        sumSegments(Spread(m * n), args, partials, vc);
    }

    public PreparedMatrix Prepare(Tensor b, bool transB, int k, int n, PreparedMatrix? reuse = null)
    {
        ShapeOf.RequireLength("Prepare", "B", b, k * n);
        var vb = View(b);
        if (!transB) return new GpuPreparedMatrix(b, transB, k, n, b);
        var rows = reuse is GpuPreparedMatrix { Transposed: true } p && p.K == k && p.N == n && p.Rows.Storage.Owner == this
            ? p.Rows : this.Zeros(k, n);
        if (b.Length > 0)
        {
            transpose ??= accelerator.LoadStreamKernel<ArrayView<float>, int, int, ArrayView<float>>(LinearKernels.Transpose);
            transpose(Spread(b.Length), vb, n, k, View(rows)); // B stored [N, K] -> op(B) [K, N]
        }
        return new GpuPreparedMatrix(b, transB, k, n, rows);
    }

    public void Gemm(bool transA, int m, float alpha, Tensor a, PreparedMatrix b, float beta, Tensor c)
        => Gemm(transA, b.Transposed, m, b.N, b.K, alpha, a, b.Source, beta, c);

    public void AddBias(Tensor x, Tensor bias, Tensor y)
    {
        ShapeOf.RequireSame("AddBias", x, y);
        ShapeOf.RequireLength("AddBias", "bias", bias, x.Columns);
        var (vx, vb, vy) = (View(x), View(bias), View(y));
        if (x.Length == 0) return;
        addBias ??= accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>>(LinearKernels.AddBias);
        addBias(Spread(x.Length), vx, vb, x.Length, x.Columns, vy);
    }

    public void BiasBackward(Tensor dY, Tensor dBias)
    {
        ShapeOf.RequireLength("BiasBackward", "dBias", dBias, dY.Columns);
        var (vd, vb) = (View(dY), View(dBias));
        if (dY.Length == 0) return;
        biasBackward ??= accelerator.LoadStreamKernel<ArrayView<float>, int, int, ArrayView<float>, ArrayView<float>>(LinearKernels.BiasBackward);
        int blocks = (dY.Rows + LinearKernels.RowBlock - 1) / LinearKernels.RowBlock;
        if (blocks == 1)
        {
            biasBackward(Spread(dY.Columns), vd, dY.Rows, dY.Columns, vb, vb);
            return;
        }
        var partials = floats.Take(blocks * dY.Columns);
        biasBackward(Spread((long)blocks * dY.Columns), vd, dY.Rows, dY.Columns, vb, partials);
        biasBlockTotals ??= accelerator.LoadStreamKernel<ArrayView<float>, int, int, ArrayView<float>>(LinearKernels.BiasBlockTotals);
        biasBlockTotals(Spread(dY.Columns), partials, blocks, dY.Columns, vb);
    }
}
