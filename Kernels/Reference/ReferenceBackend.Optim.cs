// Reference optimizer updates: PyTorch's single-tensor formulas, one element at a time. Each formula
// is written once, as a public element function; the SIMD backend's scalar tails call the same ones.
namespace Engine.Kernels;

public partial class ReferenceBackend
{
    public virtual long SgdUpdate(Tensor grad, in SgdStep step, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Sgd(step, grad, momentumBuffer, param);
        var G = grad.Span(); var P = param.Span();
        var M = momentumBuffer is null ? Span<float>.Empty : momentumBuffer.Span();
        long kept = 0;
        bool hasMomentum = step.Momentum != 0f;
        float unused = 0f;
        for (int i = 0; i < P.Length; i++)
            kept += Sgd(step, G[i], ref P[i], ref hasMomentum ? ref M[i] : ref unused, hasMomentum);
        return kept;
    }

    /// <summary>One element of SGD (momentum is read and written only with hasMomentum); returns 1 when the guard kept p.</summary>
    public static int Sgd(in SgdStep s, float grad, ref float p, ref float momentum, bool hasMomentum)
    {
        float g = s.GradScale * grad + s.WeightDecay * p;
        if (hasMomentum)
        {
            momentum = s.FirstStep ? g : s.Momentum * momentum + g;
            g = s.Nesterov ? g + s.Momentum * momentum : momentum;
        }
        return Assign(ref p, p - s.LearningRate * g, s.Guard);
    }

    /// <summary>p = updated, unless guarding and updated is not finite; returns 1 when the old value was kept.</summary>
    public static int Assign(ref float p, float updated, bool guard)
    {
        if (guard && !float.IsFinite(updated)) return 1;
        p = updated;
        return 0;
    }

    public virtual long AdamUpdate(Tensor grad, in AdamStep step, Tensor expAvg, Tensor expAvgSq, Tensor param)
    {
        OptimChecks.Same("AdamUpdate", param, grad, expAvg, expAvgSq);
        var G = grad.Span(); var P = param.Span(); var M = expAvg.Span(); var V = expAvgSq.Span();
        long kept = 0;
        for (int i = 0; i < P.Length; i++) kept += Adam(step, G[i], ref P[i], ref M[i], ref V[i]);
        return kept;
    }

    /// <summary>One element of Adam / AdamW; returns 1 when the guard kept p.</summary>
    public static int Adam(in AdamStep s, float grad, ref float p, ref float m, ref float v)
    {
        float g = s.GradScale * grad;
        float decayed = s.Decoupled ? p * (1f - s.LearningRate * s.WeightDecay) : p;
        if (!s.Decoupled) g += s.WeightDecay * p;
        m = s.Beta1 * m + (1f - s.Beta1) * g;
        v = s.Beta2 * v + (1f - s.Beta2) * g * g;
        float denom = MathF.Sqrt(v) / s.BiasCorrection2Sqrt + s.Eps;
        return Assign(ref p, decayed - s.StepSize * m / denom, s.Guard);
    }

    public virtual long RmspropUpdate(Tensor grad, in RmspropStep step, Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Same("RmspropUpdate", param, grad, squareAvg, gradAvg, momentumBuffer);
        var G = grad.Span(); var P = param.Span(); var S = squareAvg.Span();
        var A = gradAvg is null ? Span<float>.Empty : gradAvg.Span();
        var M = momentumBuffer is null ? Span<float>.Empty : momentumBuffer.Span();
        long kept = 0;
        float unusedA = 0f, unusedM = 0f;
        for (int i = 0; i < P.Length; i++)
            kept += Rmsprop(step, G[i], ref P[i], ref S[i], ref A.IsEmpty ? ref unusedA : ref A[i], !A.IsEmpty,
                ref M.IsEmpty ? ref unusedM : ref M[i], !M.IsEmpty);
        return kept;
    }

    /// <summary>One element of RMSprop; returns 1 when the guard kept p.</summary>
    public static int Rmsprop(in RmspropStep s, float grad, ref float p, ref float square, ref float average, bool centered, ref float momentum, bool hasMomentum)
    {
        float g = s.GradScale * grad + s.WeightDecay * p;
        square = s.Alpha * square + (1f - s.Alpha) * g * g;
        float denom;
        if (centered)
        {
            average = s.Alpha * average + (1f - s.Alpha) * g;
            denom = MathF.Sqrt(square - average * average) + s.Eps;
        }
        else denom = MathF.Sqrt(square) + s.Eps;
        if (!hasMomentum) return Assign(ref p, p - s.LearningRate * g / denom, s.Guard);
        momentum = s.Momentum * momentum + g / denom;
        return Assign(ref p, p - s.LearningRate * momentum, s.Guard);
    }

    public virtual long AdagradUpdate(Tensor grad, in AdagradStep step, Tensor sum, Tensor param)
    {
        OptimChecks.Same("AdagradUpdate", param, grad, sum);
        var G = grad.Span(); var P = param.Span(); var S = sum.Span();
        long kept = 0;
        for (int i = 0; i < P.Length; i++) kept += Adagrad(step, G[i], ref P[i], ref S[i]);
        return kept;
    }

    /// <summary>One element of Adagrad; returns 1 when the guard kept p.</summary>
    public static int Adagrad(in AdagradStep s, float grad, ref float p, ref float sum)
    {
        float g = s.GradScale * grad + s.WeightDecay * p;
        sum += g * g;
        return Assign(ref p, p - s.DecayedRate * g / (MathF.Sqrt(sum) + s.Eps), s.Guard);
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

    /// <summary>SGD's lengths, and a momentum buffer wherever there is momentum.</summary>
    public static void Sgd(in SgdStep step, Tensor grad, Tensor? momentumBuffer, Tensor param)
    {
        Same("SgdUpdate", param, grad, momentumBuffer);
        if (step.Momentum != 0f && momentumBuffer is null) throw new ArgumentException("SgdUpdate: momentum needs a momentum buffer");
    }
}
