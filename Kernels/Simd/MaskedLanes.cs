// MaskedLanes: a block of 16 lanes read and written through an AVX-512 mask, so that the last block of
// a row (2 units of 50, say) runs the same lane code as the full ones: lanes past the row read as zero
// and are never written, and what a lane computes depends on its own values only. A zero-padded copy
// made with scalar stores and read back as one vector stalls store forwarding: that block took as
// long as three full ones.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels;

internal static unsafe class MaskedLanes
{
    public const int Lanes = 16;

    /// <summary>Every lane: for loops that only ever see whole blocks.</summary>
    public static Vector512<float> Full => Vector512<float>.AllBitsSet;

    /// <summary>The mask of a block's first count lanes (all 16 for a full block).</summary>
    public static Vector512<float> Mask(int count) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    /// <summary>The mask's lanes of p, zero in the others (which are not read, so p may end before them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* p, Vector512<float> mask) => Avx512F.MaskLoad(p, mask, Vector512<float>.Zero);

    /// <summary>Writes the mask's lanes of value to p, and nothing past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, Vector512<float> mask, Vector512<float> value) => Avx512F.MaskStore(p, mask, value);
}
