// Device kernels of the fused optimizer updates: one grid-stride pass over the flat parameter buffer
// that reads each gradient once (scaled by the clip stage's gradScale), updates the state and the
// weight. The formulas restate ReferenceBackend.Optim expression for expression. Scalars travel in
// one struct per optimizer (ILGPU launches take a bounded number of arguments).
// Guarded elements (an update that would not be finite keeps the old weight) are counted per thread
// and added with one integer atomic: integer addition is exact in any order, so the count is too.
using ILGPU;

namespace Engine.Kernels.Gpu.DeviceKernels;

internal readonly record struct SgdScalars(int N, float GradScale, float Lr, float Momentum, float WeightDecay, int Nesterov, int FirstStep, int Guard);

internal readonly record struct AdamScalars(int N, float GradScale, float Lr, float Beta1, float Beta2, float Eps, float WeightDecay, int Decoupled,
    float StepSize, float BiasCorrection2Sqrt, int Guard);

internal readonly record struct RmspropScalars(int N, float GradScale, float Lr, float Alpha, float Eps, float WeightDecay, float Momentum,
    int Centered, int UseMomentum, int Guard);

internal readonly record struct AdagradScalars(int N, float GradScale, float Clr, float Eps, float WeightDecay, int Guard);

internal static class OptimizerKernels
{
    /// <summary>param[i] = updated unless guarding and it is not finite; returns 1 when the old value was kept.</summary>
    private static int Assign(ArrayView<float> param, int i, float updated, int guard)
    {
        if (guard != 0 && !DeviceMath.IsFinite(updated)) return 1;
        param[i] = updated;
        return 0;
    }

    /// <summary>Adds this thread's count of kept elements to kept[0].</summary>
    private static void Count(int keptHere, ArrayView<int> kept)
    {
        if (keptHere != 0) Atomic.Add(ref kept[0], keptHere);
    }

    /// <summary>SGD with optional (Nesterov) momentum. momentumBuffer is read only when Momentum != 0. All: [N].</summary>
    public static void Sgd(ArrayView<float> grad, SgdScalars s, ArrayView<float> momentumBuffer, ArrayView<float> param, ArrayView<int> kept)
    {
        int keptHere = 0;
        for (int i = KernelGeometry.First; i < s.N; i += KernelGeometry.Stride)
        {
            float g = s.GradScale * grad[i] + s.WeightDecay * param[i];
            if (s.Momentum != 0f)
            {
                float m = s.FirstStep != 0 ? g : s.Momentum * momentumBuffer[i] + g;
                momentumBuffer[i] = m;
                g = s.Nesterov != 0 ? g + s.Momentum * m : m;
            }
            keptHere += Assign(param, i, param[i] - s.Lr * g, s.Guard);
        }
        Count(keptHere, kept);
    }

    /// <summary>Adam (L2 decay in the gradient) or AdamW (decoupled decay). All: [N].</summary>
    public static void Adam(ArrayView<float> grad, AdamScalars s, ArrayView<float> expAvg, ArrayView<float> expAvgSq,
        ArrayView<float> param, ArrayView<int> kept)
    {
        int keptHere = 0;
        for (int i = KernelGeometry.First; i < s.N; i += KernelGeometry.Stride)
        {
            float g = s.GradScale * grad[i];
            float p = s.Decoupled != 0 ? param[i] * (1f - s.Lr * s.WeightDecay) : param[i];
            if (s.Decoupled == 0) g += s.WeightDecay * param[i];
            float m = s.Beta1 * expAvg[i] + (1f - s.Beta1) * g;
            float v = s.Beta2 * expAvgSq[i] + (1f - s.Beta2) * g * g;
            expAvg[i] = m;
            expAvgSq[i] = v;
            float denom = MathF.Sqrt(v) / s.BiasCorrection2Sqrt + s.Eps;
            keptHere += Assign(param, i, p - s.StepSize * m / denom, s.Guard);
        }
        Count(keptHere, kept);
    }

    /// <summary>RMSprop, optionally centered (gradAvg) and with momentum (momentumBuffer); unused views are not read. All: [N].</summary>
    public static void Rmsprop(ArrayView<float> grad, RmspropScalars s, ArrayView<float> squareAvg, ArrayView<float> gradAvg,
        ArrayView<float> momentumBuffer, ArrayView<float> param, ArrayView<int> kept)
    {
        int keptHere = 0;
        for (int i = KernelGeometry.First; i < s.N; i += KernelGeometry.Stride)
        {
            float g = s.GradScale * grad[i] + s.WeightDecay * param[i];
            float sq = s.Alpha * squareAvg[i] + (1f - s.Alpha) * g * g;
            squareAvg[i] = sq;
            float denom;
            if (s.Centered != 0)
            {
                float a = s.Alpha * gradAvg[i] + (1f - s.Alpha) * g;
                gradAvg[i] = a;
                denom = MathF.Sqrt(sq - a * a) + s.Eps;
            }
            else denom = MathF.Sqrt(sq) + s.Eps;
            if (s.UseMomentum != 0)
            {
                float m = s.Momentum * momentumBuffer[i] + g / denom;
                momentumBuffer[i] = m;
                keptHere += Assign(param, i, param[i] - s.Lr * m, s.Guard);
            }
            else keptHere += Assign(param, i, param[i] - s.Lr * g / denom, s.Guard);
        }
        Count(keptHere, kept);
    }

    /// <summary>Adagrad with the host's decayed learning rate Clr. All: [N].</summary>
    public static void Adagrad(ArrayView<float> grad, AdagradScalars s, ArrayView<float> sum, ArrayView<float> param, ArrayView<int> kept)
    {
        int keptHere = 0;
        for (int i = KernelGeometry.First; i < s.N; i += KernelGeometry.Stride)
        {
            float g = s.GradScale * grad[i] + s.WeightDecay * param[i];
            float total = sum[i] + g * g;
            sum[i] = total;
            keptHere += Assign(param, i, param[i] - s.Clr * g / (MathF.Sqrt(total) + s.Eps), s.Guard);
        }
        Count(keptHere, kept);
    }
}
