// SIMD element-wise kernels: activations and their derivatives, column copies. TensorPrimitives does
// the vector work (512-bit where the machine has it); temporaries come from a per-thread scratch span.
using System.Numerics.Tensors;

namespace Engine.Kernels;

public partial class SimdBackend
{
    public void ActivationForward(Activation f, float slope, Tensor x, Tensor y)
    {
        ShapeOf.RequireLength("ActivationForward", "y", y, x.Length);
        ActivationForward(f, slope, x.Span(), y.Span());
    }

    /// <summary>ActivationForward on spans; each element's result depends only on its value (the row-split time loops apply it to part of a step).</summary>
    private static void ActivationForward(Activation f, float slope, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.IsEmpty) return; // TensorPrimitives.Sigmoid refuses empty spans
        switch (f)
        {
            case Activation.Identity: x.CopyTo(y); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case Activation.Tanh: VectorTanh.Apply(x, y); break;
            case Activation.Relu: TensorPrimitives.Max(x, 0f, y); break;
            case Activation.LeakyRelu:
                for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0f ? x[i] : slope * x[i];
                break;
            default: throw new ArgumentOutOfRangeException(nameof(f), f, "unknown activation");
        }
    }

    public void ActivationBackward(Activation f, float slope, Tensor y, Tensor dY, Tensor dX)
    {
        ShapeOf.RequireLength("ActivationBackward", "dY", dY, y.Length);
        ShapeOf.RequireLength("ActivationBackward", "dX", dX, y.Length);
        ActivationBackward(f, slope, y.Span(), dY.Span(), dX.Span());
    }

    /// <summary>dX += dY f'(x), f' from y = f(x), on spans; element by element, as ActivationForward.</summary>
    private static void ActivationBackward(Activation f, float slope, ReadOnlySpan<float> Y, ReadOnlySpan<float> D, Span<float> DX)
    {
        switch (f)
        {
            case Activation.Identity: TensorPrimitives.Add(DX, D, DX); break;
            case Activation.Sigmoid or Activation.Tanh:
                var derivative = Scratch.Get(Y.Length, 0);
                Derivative(f, Y, derivative);
                TensorPrimitives.FusedMultiplyAdd(D, derivative, DX, DX);
                break;
            case Activation.Relu or Activation.LeakyRelu:
                // A select per element; the branch is predictable per run of signs.
                for (int i = 0; i < DX.Length; i++) DX[i] += Y[i] > 0f ? D[i] : f == Activation.Relu ? 0f : slope * D[i];
                break;
            default: throw new ArgumentOutOfRangeException(nameof(f), f, "unknown activation");
        }
    }

    /// <summary>f'(x) as a function of y = f(x): sigmoid y(1 - y), tanh 1 - y^2.</summary>
    private static void Derivative(Activation f, ReadOnlySpan<float> y, Span<float> result)
    {
        if (f == Activation.Sigmoid)
        {
            TensorPrimitives.Subtract(1f, y, result);
            TensorPrimitives.Multiply(result, y, result);
        }
        else
        {
            TensorPrimitives.Multiply(y, y, result);
            TensorPrimitives.Subtract(1f, result, result);
        }
    }

    public void CopyColumns(Tensor src, int srcColumn, Tensor dst, int dstColumn, int count, bool accumulate)
    {
        ColumnChecks.Validate(src, srcColumn, dst, dstColumn, count);
        int rows = src.Rows, cs = src.Columns, cd = dst.Columns;
        var S = src.Span(); var D = dst.Span();
        for (int r = 0; r < rows; r++)
        {
            var from = S.Slice(r * cs + srcColumn, count);
            var to = D.Slice(r * cd + dstColumn, count);
            if (accumulate) TensorPrimitives.Add(to, from, to); else from.CopyTo(to);
        }
    }
}

/// <summary>Per-thread scratch memory for kernels that need temporaries (several independent slots).</summary>
internal static class Scratch
{
    [ThreadStatic] private static float[][]? slots;

    public static Span<float> Get(int length, int slot)
    {
        slots ??= new float[8][];
        var buffer = slots[slot];
        if (buffer is null || buffer.Length < length) slots[slot] = buffer = new float[Math.Max(length, 256)];
        return buffer.AsSpan(0, length);
    }
}
