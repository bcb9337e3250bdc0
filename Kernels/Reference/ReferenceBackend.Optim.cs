// Reference optimizer updates: PyTorch's single-tensor formulas, one element at a time.
namespace Engine.Kernels;

public partial class ReferenceBackend
{
    public virtual long SgdUpdate(Tensor grad, float gradScale, float lr, float momentum, float weightDecay, bool nesterov, bool firstStep, bool guard, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Same("SgdUpdate", param, grad, momentumBuffer);
        var G = grad.Span(); var P = param.Span();
        var M = momentumBuffer is null ? Span<float>.Empty : momentumBuffer.Span();
        long kept = 0;
        for (int i = 0; i < P.Length; i++)
        {
            float g = gradScale * G[i] + weightDecay * P[i];
            if (momentum != 0f)
            {
                M[i] = firstStep ? g : momentum * M[i] + g;
                g = nesterov ? g + momentum * M[i] : M[i];
            }
            kept += Assign(ref P[i], P[i] - lr * g, guard);
        }
        return kept;
    }

    /// <summary>p = updated, unless guarding and updated is not finite; returns 1 when the old value was kept.</summary>
    public static int Assign(ref float p, float updated, bool guard)
    {
        if (guard && !float.IsFinite(updated)) return 1;
        p = updated;
        return 0;
    }

    public virtual long AdamUpdate(Tensor grad, float gradScale, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled,
        float stepSize, float biasCorrection2Sqrt, bool guard, Tensor expAvg, Tensor expAvgSq, Tensor param)
    {
        OptimChecks.Same("AdamUpdate", param, grad, expAvg, expAvgSq);
        var G = grad.Span(); var P = param.Span(); var M = expAvg.Span(); var V = expAvgSq.Span();
        long kept = 0;
        for (int i = 0; i < P.Length; i++)
        {
            float g = gradScale * G[i];
            float p = decoupled ? P[i] * (1f - lr * weightDecay) : P[i];
            if (!decoupled) g += weightDecay * P[i];
            M[i] = beta1 * M[i] + (1f - beta1) * g;
            V[i] = beta2 * V[i] + (1f - beta2) * g * g;
            float denom = MathF.Sqrt(V[i]) / biasCorrection2Sqrt + eps;
            kept += Assign(ref P[i], p - stepSize * M[i] / denom, guard);
        }
        return kept;
    }

    public virtual long RmspropUpdate(Tensor grad, float gradScale, float lr, float alpha, float eps, float weightDecay, float momentum, bool guard,
        Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Same("RmspropUpdate", param, grad, squareAvg, gradAvg, momentumBuffer);
        var G = grad.Span(); var P = param.Span(); var S = squareAvg.Span();
        var A = gradAvg is null ? Span<float>.Empty : gradAvg.Span();
        var M = momentumBuffer is null ? Span<float>.Empty : momentumBuffer.Span();
        long kept = 0;
        for (int i = 0; i < P.Length; i++)
        {
            float g = gradScale * G[i] + weightDecay * P[i];
            S[i] = alpha * S[i] + (1f - alpha) * g * g;
            float denom;
            if (gradAvg is not null)
            {
                A[i] = alpha * A[i] + (1f - alpha) * g;
                denom = MathF.Sqrt(S[i] - A[i] * A[i]) + eps;
            }
            else denom = MathF.Sqrt(S[i]) + eps;
            if (momentumBuffer is not null)
            {
                M[i] = momentum * M[i] + g / denom;
                kept += Assign(ref P[i], P[i] - lr * M[i], guard);
            }
            else kept += Assign(ref P[i], P[i] - lr * g / denom, guard);
        }
        return kept;
    }

    public virtual long AdagradUpdate(Tensor grad, float gradScale, float clr, float eps, float weightDecay, bool guard, Tensor sum, Tensor param)
    {
        OptimChecks.Same("AdagradUpdate", param, grad, sum);
        var G = grad.Span(); var P = param.Span(); var S = sum.Span();
        long kept = 0;
        for (int i = 0; i < P.Length; i++)
        {
            float g = gradScale * G[i] + weightDecay * P[i];
            S[i] += g * g;
            kept += Assign(ref P[i], P[i] - clr * g / (MathF.Sqrt(S[i]) + eps), guard);
        }
        return kept;
    }
}

/// <summary>Length checks shared by the optimizer kernels of every backend.</summary>
public static class OptimChecks
{
    public static void Same(string op, Tensor param, params Tensor?[] others)
    {
        foreach (var t in others)
            if (t is not null) ShapeOf.RequireLength(op, "a state or gradient tensor", t, param.Length);
    }
}
