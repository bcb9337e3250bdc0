// ParameterStore: every parameter of a model in ONE flat contiguous buffer, every gradient in another
// of the same layout. Each parameter is a view (offset, shape) under its PyTorch name, grouped by
// layer. Clipping and optimizers run over the flat buffers in single passes.
namespace Engine;

/// <summary>What a model declares: a PyTorch name, a shape and the group (layer) it belongs to.</summary>
public sealed record ParameterSpec(string Name, int[] Shape, string Group);

/// <summary>One parameter: a named view into the store's flat value and gradient buffers.</summary>
public sealed class Parameter
{
    /// <summary>Its PyTorch name, e.g. "lstm.weight_ih_l0".</summary>
    public required string Name { get; init; }
    /// <summary>The group (layer) it belongs to, the unit of per-layer clipping.</summary>
    public required string Group { get; init; }
    /// <summary>Where it starts in the flat buffers.</summary>
    public required int Offset { get; init; }
    /// <summary>Its shape.</summary>
    public required int[] Shape { get; init; }
    /// <summary>Its number of elements.</summary>
    public int Length => ShapeOf.Numel(Shape);

    /// <summary>Value and Grad are views into the store's flat buffers.</summary>
    public required Var Var { get; init; }

    /// <summary>Its values: a view into the store's Values.</summary>
    public Tensor Value => Var.Value;
    /// <summary>Its gradient: a view into the store's Grads.</summary>
    public Tensor Grad => Var.Grad!;

    /// <summary>Name, shape and offset, for messages.</summary>
    public override string ToString() => $"{Name}{ShapeOf.Format(Shape)} @ {Offset}";
}

/// <summary>Every parameter of a model in one flat buffer, every gradient in another of the same layout.</summary>
public sealed class ParameterStore
{
    private readonly Dictionary<string, Parameter> byName = new(StringComparer.Ordinal);

    /// <summary>The backend the buffers live on.</summary>
    public IBackend Backend { get; }

    /// <summary>All parameter values, flat: [P].</summary>
    public Tensor Values { get; }

    private readonly Tensor grads;

    /// <summary>
    /// All gradients, flat, same layout as Values: [P]. A gradient that ZeroGrad left pending and
    /// nothing has written since (a parameter the step did not reach) is cleared first.
    /// </summary>
    public Tensor Grads
    {
        get
        {
            foreach (var p in All) p.Var.ClearIfPending();
            return grads;
        }
    }

    /// <summary>Parameters in declaration order (which is also buffer order).</summary>
    public IReadOnlyList<Parameter> All { get; }

    /// <summary>Group names in first-declared order.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>Elements over all parameters P.</summary>
    public int Count => Values.Length;

    /// <summary>Allocates the buffers for specs, laid out in their order.</summary>
    public ParameterStore(IBackend backend, IEnumerable<ParameterSpec> specs)
    {
        Backend = backend;
        var list = specs.ToList();
        int total = 0;
        foreach (var s in list)
        {
            if (string.IsNullOrEmpty(s.Name)) throw new ArgumentException("a parameter needs a name");
            if (!byName.TryAdd(s.Name, null!)) throw new ArgumentException($"parameter '{s.Name}' is declared twice");
            total = checked(total + ShapeOf.Numel(s.Shape));
        }
        Values = new Tensor(backend.Allocate(total), 0, total);
        grads = new Tensor(backend.Allocate(total), 0, total);
        var all = new List<Parameter>(list.Count);
        int offset = 0;
        foreach (var s in list)
        {
            int n = ShapeOf.Numel(s.Shape);
            var value = new Tensor(Values.Storage, offset, s.Shape);
            var grad = new Tensor(grads.Storage, offset, s.Shape);
            var p = new Parameter
            {
                Name = s.Name, Group = s.Group, Offset = offset, Shape = (int[])s.Shape.Clone(),
                Var = new Var(value, requiresGrad: true, grad) { Name = s.Name },
            };
            byName[s.Name] = p;
            all.Add(p);
            offset += n;
        }
        All = all;
        Groups = all.Select(p => p.Group).Distinct().ToList();
    }

    /// <summary>The parameter with this PyTorch name; a clear message lists the names that exist.</summary>
    public Parameter this[string name]
    {
        get
        {
            if (byName.TryGetValue(name, out var p)) return p;
            throw new KeyNotFoundException($"no parameter named '{name}'; this model has: {string.Join(", ", byName.Keys)}");
        }
    }

    /// <summary>Whether a parameter has this name.</summary>
    public bool Contains(string name) => byName.ContainsKey(name);

    /// <summary>
    /// Sets every gradient to zero, lazily: each reads as zero, and its buffer is cleared only if it is
    /// read or accumulated into before a product overwrites it (Graph.GradForProduct). The backward of a
    /// recurrent layer writes its weight gradients with one GEMM each, so a step skips the pass.
    /// </summary>
    public void ZeroGrad()
    {
        foreach (var p in All) p.Var.ZeroGradLater(Backend);
    }

    /// <summary>Sets a parameter from host values, checking the shape.</summary>
    public void Set(string name, float[] values, int[]? shape = null)
    {
        var p = this[name];
        if (shape is not null && !ShapeOf.Same(shape, p.Shape))
            throw new ArgumentException($"parameter '{name}' has shape {ShapeOf.Format(p.Shape)}, given {ShapeOf.Format(shape)}");
        ShapeOf.RequireLength("Set", $"values for '{name}'", p.Value, values.Length);
        Backend.Upload(values, p.Value);
    }
}
