// Reference element-wise kernels.
namespace Engine.Kernels;

public partial class ReferenceBackend
{
    public virtual void Add(Tensor a, Tensor b, Tensor y) => Map("Add", a, b, y, (p, q) => p + q);
    public virtual void Sub(Tensor a, Tensor b, Tensor y) => Map("Sub", a, b, y, (p, q) => p - q);
    public virtual void Mul(Tensor a, Tensor b, Tensor y) => Map("Mul", a, b, y, (p, q) => p * q);

    public virtual void MulAccumulate(Tensor a, Tensor b, Tensor y)
    {
        PointwiseChecks.Same("MulAccumulate", a, b, y);
        var A = a.Span(); var B = b.Span(); var Y = y.Span();
        for (int i = 0; i < Y.Length; i++) Y[i] += A[i] * B[i];
    }

    public virtual void Axpy(float alpha, Tensor x, Tensor y)
    {
        ShapeOf.RequireLength("Axpy", "y", y, x.Length);
        var X = x.Span(); var Y = y.Span();
        for (int i = 0; i < Y.Length; i++) Y[i] += alpha * X[i];
    }

    public virtual void ActivationForward(Activation f, float slope, Tensor x, Tensor y)
    {
        ShapeOf.RequireLength("ActivationForward", "y", y, x.Length);
        var X = x.Span(); var Y = y.Span();
        for (int i = 0; i < Y.Length; i++) Y[i] = Scalar.Activate(f, slope, X[i]);
    }

    public virtual void ActivationBackward(Activation f, float slope, Tensor y, Tensor dY, Tensor dX)
    {
        PointwiseChecks.Same("ActivationBackward", y, dY, dX);
        var Y = y.Span(); var D = dY.Span(); var DX = dX.Span();
        for (int i = 0; i < DX.Length; i++) DX[i] += D[i] * Scalar.Derivative(f, slope, Y[i]);
    }

    public virtual void CopyColumns(Tensor src, int srcColumn, Tensor dst, int dstColumn, int count, bool accumulate)
    {
        ColumnChecks.Validate(src, srcColumn, dst, dstColumn, count);
        int rows = src.Rows, cs = src.Columns, cd = dst.Columns;
        var S = src.Span(); var D = dst.Span();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < count; j++)
            {
                float v = S[r * cs + srcColumn + j];
                if (accumulate) D[r * cd + dstColumn + j] += v; else D[r * cd + dstColumn + j] = v;
            }
    }

    private static void Map(string op, Tensor a, Tensor b, Tensor y, Func<float, float, float> f)
    {
        PointwiseChecks.Same(op, a, b, y);
        var A = a.Span(); var B = b.Span(); var Y = y.Span();
        for (int i = 0; i < Y.Length; i++) Y[i] = f(A[i], B[i]);
    }

}

/// <summary>Length checks of the two-operand element-wise kernels, shared by every backend.</summary>
public static class PointwiseChecks
{
    public static void Same(string op, Tensor a, Tensor b, Tensor y)
    {
        ShapeOf.RequireLength(op, "second operand", b, a.Length);
        ShapeOf.RequireLength(op, "destination", y, a.Length);
    }
}

/// <summary>Argument checks of CopyColumns, shared by every backend.</summary>
public static class ColumnChecks
{
    public static void Validate(Tensor src, int srcColumn, Tensor dst, int dstColumn, int count)
    {
        if (dst.Rows != src.Rows || count < 0 || srcColumn < 0 || dstColumn < 0 || srcColumn + count > src.Columns || dstColumn + count > dst.Columns)
            throw new ArgumentException($"CopyColumns: {count} columns from {srcColumn} of {ShapeOf.Format(src.Shape)} to {dstColumn} of {ShapeOf.Format(dst.Shape)} do not fit");
    }
}

/// <summary>Scalar definitions of the activations and their derivatives (as functions of the output).</summary>
public static class Scalar
{
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    public static float Activate(Activation f, float slope, float x) => f switch
    {
        Activation.Identity => x,
        Activation.Sigmoid => Sigmoid(x),
        Activation.Tanh => MathF.Tanh(x),
        Activation.Relu => x > 0f ? x : 0f,
        Activation.LeakyRelu => x > 0f ? x : slope * x,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "unknown activation"),
    };

    public static float Derivative(Activation f, float slope, float y) => f switch
    {
        Activation.Identity => 1f,
        Activation.Sigmoid => y * (1f - y),
        Activation.Tanh => 1f - y * y,
        Activation.Relu => y > 0f ? 1f : 0f,
        Activation.LeakyRelu => y > 0f ? 1f : slope,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "unknown activation"),
    };
}
