// VectorTanh: tanh over a float span with VectorMath.Tanh (within 1 ulp, exactly odd, 0 at 0), 16 lanes
// at a time and the ragged end through a mask (MaskedLanes), so an element's result does not depend on
// where it lies in the span: a time loop that applies it row by row gets what one call over all rows gets.
// AccurateTanh (tanh in double, rounded once) costs 5-9 ns per element here, most of a small RNN's
// forward step; this costs a fraction of a nanosecond.
// Not here: machines without 512-bit vectors, which run AccurateTanh.
using System.Runtime.Intrinsics;

namespace Engine.Kernels;

internal static unsafe class VectorTanh
{
    private const int Lanes = MaskedLanes.Lanes;

    /// <summary>y = tanh(x); y may be x.</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            AccurateTanh.Apply(x, y);
            return;
        }
        int full = x.Length / Lanes * Lanes;
        fixed (float* source = x, target = y)
        {
            for (int i = 0; i < full; i += Lanes) VectorMath.Tanh(Vector512.Load(source + i)).Store(target + i);
            if (full == x.Length) return;
            var mask = MaskedLanes.Mask(x.Length - full);
            MaskedLanes.Store(target + full, mask, VectorMath.Tanh(MaskedLanes.Load(source + full, mask)));
        }
    }
}
