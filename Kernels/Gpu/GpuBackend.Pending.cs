// The kernel families the GPU backend does not run yet: the recurrent gate kernels, the clip stage and
// the optimizer updates (open GPU issue). Prepared matrices need no packing on a GPU: the tiled GEMM
// reads B as it is. Until the missing families land, asking for them fails with one clear line, never
// with a silent fall-back to host code.
namespace Engine.Kernels.Gpu;

public sealed partial class GpuBackend
{
    public PreparedMatrix Prepare(Tensor b, bool transB, int k, int n, PreparedMatrix? reuse = null)
    {
        ShapeOf.RequireLength("Prepare", "B", b, k * n);
        return new PreparedMatrix(b, transB, k, n);
    }

    public void Gemm(bool transA, int m, float alpha, Tensor a, PreparedMatrix b, float beta, Tensor c)
        => Gemm(transA, b.Transposed, m, b.N, b.K, alpha, a, b.Source, beta, c);

    private NotSupportedException Pending(string kernel)
        => new($"{kernel} does not run on the '{Name}' backend yet (the GPU backend has memory, GEMM, element-wise, reduction and loss kernels so far); use --device cpu");

    public void LstmGatesForward(Tensor cPrev, Tensor gates, Tensor c, Tensor h) => throw Pending(nameof(LstmGatesForward));
    public void LstmGatesBackward(Tensor gates, Tensor cPrev, Tensor c, Tensor dH, Tensor dC, Tensor dGates) => throw Pending(nameof(LstmGatesBackward));
    public void GruGatesForward(Tensor hPrev, Tensor gx, Tensor gh, Tensor h) => throw Pending(nameof(GruGatesForward));
    public void GruGatesBackward(Tensor hPrev, Tensor gates, Tensor gh, Tensor dH, Tensor dGx, Tensor dGh, Tensor dHPrev) => throw Pending(nameof(GruGatesBackward));
    public void SegmentStatistics(Tensor x, int[] offsets, int[] lengths, SegmentStatistics[] results) => throw Pending(nameof(SegmentStatistics));
    public void ScaleSegments(float[] scales, int[] offsets, int[] lengths, Tensor x) => throw Pending(nameof(ScaleSegments));
    public double ClampValues(float limit, Tensor x) => throw Pending(nameof(ClampValues));
    public void ReplaceNonFinite(float value, Tensor x) => throw Pending(nameof(ReplaceNonFinite));
    public AdaptiveClipResult AdaptiveClip(Tensor values, int[] offsets, int[] rows, int[] rowLengths, float clipping, float eps, Tensor grads) => throw Pending(nameof(AdaptiveClip));
    public long SgdUpdate(Tensor grad, float gradScale, float lr, float momentum, float weightDecay, bool nesterov, bool firstStep, bool guard, Tensor? momentumBuffer, Tensor param) => throw Pending(nameof(SgdUpdate));
    public long AdamUpdate(Tensor grad, float gradScale, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled,
        float stepSize, float biasCorrection2Sqrt, bool guard, Tensor expAvg, Tensor expAvgSq, Tensor param) => throw Pending(nameof(AdamUpdate));
    public long RmspropUpdate(Tensor grad, float gradScale, float lr, float alpha, float eps, float weightDecay, float momentum, bool guard,
        Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, Tensor param) => throw Pending(nameof(RmspropUpdate));
    public long AdagradUpdate(Tensor grad, float gradScale, float clr, float eps, float weightDecay, bool guard, Tensor sum, Tensor param) => throw Pending(nameof(AdagradUpdate));
}
