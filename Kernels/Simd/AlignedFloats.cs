// AlignedFloats: a float buffer whose element Start lies on a 64-byte boundary, for the packed GEMM
// operands and large host storage (HostStorage). The micro-kernels load whole cache lines (Vector512)
// from them; from an ordinary array, 8 bytes past a boundary wherever the GC put it, every load
// straddles two lines.
// The array is pinned (the pinned object heap), so that compaction never moves it off the boundary.
namespace Engine.Kernels;

internal sealed unsafe class AlignedFloats
{
    private const int LineFloats = 64 / sizeof(float);

    public float[] Array { get; }
    public int Start { get; }
    public int Length { get; }

    public AlignedFloats(int length)
    {
        Length = length;
        Array = GC.AllocateArray<float>(length + LineFloats - 1, pinned: true);
        fixed (float* first = Array) Start = (int)((64 - (long)first % 64) % 64) / sizeof(float);
    }
}
