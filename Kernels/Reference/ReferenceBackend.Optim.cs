// Reference optimizer updates: PyTorch's single-tensor formulas, one element at a time.
namespace Engine.Kernels;

public partial class ReferenceBackend
{
    public virtual void SgdUpdate(Tensor grad, float gradScale, float lr, float momentum, float weightDecay, bool nesterov, bool firstStep, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Same("SgdUpdate", param, grad, momentumBuffer);
        var G = grad.Span(); var P = param.Span();
        var M = momentumBuffer is null ? Span<float>.Empty : momentumBuffer.Span();
        for (int i = 0; i < P.Length; i++)
        {
            float g = gradScale * G[i] + weightDecay * P[i];
            if (momentum != 0f)
            {
                M[i] = firstStep ? g : momentum * M[i] + g;
                g = nesterov ? g + momentum * M[i] : M[i];
            }
            P[i] -= lr * g;
        }
    }

    public virtual void AdamUpdate(Tensor grad, float gradScale, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled,
        float stepSize, float biasCorrection2Sqrt, Tensor expAvg, Tensor expAvgSq, Tensor param)
    {
        OptimChecks.Same("AdamUpdate", param, grad, expAvg, expAvgSq);
        var G = grad.Span(); var P = param.Span(); var M = expAvg.Span(); var V = expAvgSq.Span();
        for (int i = 0; i < P.Length; i++)
        {
            float g = gradScale * G[i];
            if (decoupled) P[i] *= 1f - lr * weightDecay;
            else g += weightDecay * P[i];
            M[i] = beta1 * M[i] + (1f - beta1) * g;
            V[i] = beta2 * V[i] + (1f - beta2) * g * g;
            float denom = MathF.Sqrt(V[i]) / biasCorrection2Sqrt + eps;
            P[i] -= stepSize * M[i] / denom;
        }
    }

    public virtual void RmspropUpdate(Tensor grad, float gradScale, float lr, float alpha, float eps, float weightDecay, float momentum,
        Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Same("RmspropUpdate", param, grad, squareAvg, gradAvg, momentumBuffer);
        var G = grad.Span(); var P = param.Span(); var S = squareAvg.Span();
        var A = gradAvg is null ? Span<float>.Empty : gradAvg.Span();
        var M = momentumBuffer is null ? Span<float>.Empty : momentumBuffer.Span();
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
                P[i] -= lr * M[i];
            }
            else P[i] -= lr * g / denom;
        }
    }

    public virtual void AdagradUpdate(Tensor grad, float gradScale, float clr, float eps, float weightDecay, Tensor sum, Tensor param)
    {
        OptimChecks.Same("AdagradUpdate", param, grad, sum);
        var G = grad.Span(); var P = param.Span(); var S = sum.Span();
        for (int i = 0; i < P.Length; i++)
        {
            float g = gradScale * G[i] + weightDecay * P[i];
            S[i] += g * g;
            P[i] -= clr * g / (MathF.Sqrt(S[i]) + eps);
        }
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
