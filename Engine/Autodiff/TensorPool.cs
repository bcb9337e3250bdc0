// TensorPool: recycles the storage of a step's intermediate tensors, so a training step allocates
// nothing after the first one. Storage is handed out until ReturnAll, then reused by length.
namespace Engine;

/// <summary>Recycles the storage of a step's intermediate tensors by length.</summary>
public sealed class TensorPool
{
    private readonly IBackend backend;
    private readonly Dictionary<int, Stack<Storage>> free = new();
    private readonly List<Storage> lent = new();

    /// <summary>An empty pool over backend.</summary>
    public TensorPool(IBackend backend) => this.backend = backend;

    /// <summary>A tensor of the given shape; zeroed when asked, otherwise holding stale values.</summary>
    public Tensor Rent(int[] shape, bool zeroed)
    {
        int length = ShapeOf.Numel(shape);
        Storage storage;
        if (free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            storage = stack.Pop();
            lent.Add(storage);
            var reused = new Tensor(storage, 0, shape);
            if (zeroed) backend.Fill(0f, reused);
            return reused;
        }
        storage = backend.Allocate(length); // fresh storage is already zero
        lent.Add(storage);
        return new Tensor(storage, 0, shape);
    }

    /// <summary>Every tensor rented so far becomes free for reuse; callers must not touch them again.</summary>
    public void ReturnAll()
    {
        foreach (var s in lent)
        {
            if (!free.TryGetValue(s.Length, out var stack)) free[s.Length] = stack = new Stack<Storage>();
            stack.Push(s);
        }
        lent.Clear();
    }
}
