// Tensor: a contiguous, row-major float32 view into a backend's storage.
// Not an autodiff node (see Var) and not a device handle: kernels read it through the backend.
namespace Engine;

/// <summary>A float32 view (offset, shape, row-major) into a storage owned by one backend.</summary>
public sealed class Tensor
{
    /// <summary>The memory it views.</summary>
    public Storage Storage { get; }
    /// <summary>Where it starts in the storage, in elements.</summary>
    public int Offset { get; }
    /// <summary>Its shape.</summary>
    public int[] Shape { get; }
    /// <summary>Its number of elements.</summary>
    public int Length { get; }

    /// <summary>A view of shape starting at offset; it must lie inside the storage.</summary>
    public Tensor(Storage storage, int offset, params int[] shape)
    {
        int length = ShapeOf.Numel(shape);
        if (offset < 0 || offset + length > storage.Length)
            throw new ArgumentException(
                $"view [{offset}, {offset + length}) of shape {ShapeOf.Format(shape)} does not fit in a storage of {storage.Length} floats");
        Storage = storage;
        Offset = offset;
        Shape = (int[])shape.Clone();
        Length = length;
    }

    /// <summary>A view whose shape array is new and owned by it (a sub-range of a checked view: no copy, no check).</summary>
    private Tensor(Storage storage, int offset, int[] ownedShape, int length)
    {
        Storage = storage;
        Offset = offset;
        Shape = ownedShape;
        Length = length;
    }

    /// <summary>The backend that owns its storage.</summary>
    public IBackend Backend => Storage.Owner;
    /// <summary>Number of axes.</summary>
    public int Rank => Shape.Length;

    /// <summary>Size of the last axis (columns of a row-major matrix); 1 for a scalar.</summary>
    public int Columns => Shape.Length == 0 ? 1 : Shape[^1];

    /// <summary>Product of all axes but the last (rows of a row-major matrix).</summary>
    public int Rows => Columns == 0 ? 0 : Length / Columns;

    /// <summary>Same memory, another shape with the same number of elements.</summary>
    public Tensor Reshape(params int[] shape)
    {
        if (ShapeOf.Numel(shape) != Length)
            throw new ArgumentException($"cannot reshape {ShapeOf.Format(Shape)} ({Length} elements) to {ShapeOf.Format(shape)}");
        return new Tensor(Storage, Offset, shape);
    }

    /// <summary>Rows [start, start+count) along the first axis, as a contiguous view.</summary>
    public Tensor Slice(int start, int count)
    {
        if (Rank == 0) throw new ArgumentException("cannot slice a scalar");
        if (start < 0 || count < 0 || start + count > Shape[0])
            throw new ArgumentException($"slice [{start}, {start + count}) is outside axis 0 of shape {ShapeOf.Format(Shape)}");
        int inner = Shape[0] == 0 ? 0 : Length / Shape[0];
        var shape = (int[])Shape.Clone();
        shape[0] = count;
        return new Tensor(Storage, Offset + start * inner, shape, count * inner);
    }

    /// <summary>
    /// Item i along the first axis, with that axis dropped: x[t] of a [T, B, H] tensor is [B, H]. The time
    /// loops take a few of these per step, so it allocates just the view and its shape.
    /// </summary>
    public Tensor this[int index]
    {
        get
        {
            if (Rank == 0) throw new ArgumentException("cannot index a scalar");
            if (index < 0 || index >= Shape[0])
                throw new ArgumentException($"index {index} is outside axis 0 of shape {ShapeOf.Format(Shape)}");
            int inner = Length / Shape[0];
            return new Tensor(Storage, Offset + index * inner, Shape[1..], inner);
        }
    }

    /// <summary>Its values, copied to the host.</summary>
    public float[] ToArray() => Backend.Download(this);

    /// <summary>"Tensor" and its shape.</summary>
    public override string ToString() => $"Tensor{ShapeOf.Format(Shape)}";
}
