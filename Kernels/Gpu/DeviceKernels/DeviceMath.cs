// Math functions written out for device code, where ILGPU's own lowering is too coarse. Not a math
// library: only what the kernels need, with the accuracy reasoning beside each function.
namespace Engine.Kernels.Gpu.DeviceKernels;

internal static class DeviceMath
{
    /// <summary>
    /// tanh(x). ILGPU lowers MathF.Tanh to PTX tanh.approx.f32 (relative error up to about 2^-11, too
    /// coarse for parity with PyTorch), so it is built from exp instead, whose PTX ex2.approx.f32 is
    /// accurate to about 2^-22. For |x| >= 1/8, tanh |x| = (1 - e) / (1 + e) with e = exp(-2|x|) < 0.78,
    /// so the cancellation in 1 - e costs at most a factor 5 on e's error. Below 1/8 that cancellation
    /// grows, so the Taylor series x - x^3/3 + 2x^5/15 - 17x^7/315 is used; its truncation error there
    /// is below 62/2835 |x|^9, about 1e-9 relative. Either branch is within ~1e-6 relative of tanh.
    /// </summary>
    public static float Tanh(float x)
    {
        float ax = MathF.Abs(x);
        if (ax < 0.125f)
        {
            float x2 = x * x;
            return x + x * x2 * (-1f / 3f + x2 * (2f / 15f + x2 * (-17f / 315f)));
        }
        float e = MathF.Exp(-2f * ax);
        float t = (1f - e) / (1f + e);
        return x < 0f ? -t : t;
    }

    /// <summary>Neither NaN nor infinite. Spelled with the two tests ILGPU lowers on every device.</summary>
    public static bool IsFinite(float x) => !float.IsNaN(x) && !float.IsInfinity(x);

    /// <summary>
    /// The larger of a and b, NaN when either is NaN, as .NET's Math.Max (the host's and the reference's
    /// semantics). ILGPU lowers Math.Max to PTX max.f64, which returns the other operand when one is
    /// NaN: a NaN norm would then become a finite bound, and the GPU would clip where the CPU does not.
    /// </summary>
    public static double Max(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : a > b ? a : b;

    /// <summary>As Max(double, double), for floats: a NaN among the values makes the maximum NaN.</summary>
    public static float Max(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : a > b ? a : b;
}
