// Storage: a block of float32 memory owned by one backend. It is not a tensor (no shape);
// tensors are views (offset, length, shape) into a storage.
namespace Engine;

/// <summary>A block of float32 memory owned by one backend.</summary>
public abstract class Storage : IDisposable
{
    /// <summary>Number of float32 elements.</summary>
    public abstract int Length { get; }

    /// <summary>The backend that allocated this storage; kernels refuse storage of another backend.</summary>
    public abstract IBackend Owner { get; }

    /// <summary>Releases the memory (device memory; host arrays are left to the GC).</summary>
    public virtual void Dispose() { }
}
