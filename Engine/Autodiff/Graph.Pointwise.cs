// Element-wise ops: add, sub, mul and the activations.
namespace Engine;

public sealed partial class Graph
{
    /// <summary>a + b, element by element.</summary>
    public Var Add(Var a, Var b) => Binary("Add", a, b, Backend.Add, (dY, da, db) =>
    {
        if (da is not null) Backend.Axpy(1f, dY, da);
        if (db is not null) Backend.Axpy(1f, dY, db);
    });

    /// <summary>a - b, element by element.</summary>
    public Var Sub(Var a, Var b) => Binary("Sub", a, b, Backend.Sub, (dY, da, db) =>
    {
        if (da is not null) Backend.Axpy(1f, dY, da);
        if (db is not null) Backend.Axpy(-1f, dY, db);
    });

    // y = a*b, so dA = dY*b and dB = dY*a.
    /// <summary>a * b, element by element.</summary>
    public Var Mul(Var a, Var b) => Binary("Mul", a, b, Backend.Mul, (dY, da, db) =>
    {
        if (da is not null) Backend.MulAccumulate(dY, b.Value, da);
        if (db is not null) Backend.MulAccumulate(dY, a.Value, db);
    });

    /// <summary>1 / (1 + exp(-x)), element by element.</summary>
    public Var Sigmoid(Var x) => Activate(x, Activation.Sigmoid);
    /// <summary>tanh(x), element by element.</summary>
    public Var Tanh(Var x) => Activate(x, Activation.Tanh);
    /// <summary>max(x, 0), element by element.</summary>
    public Var Relu(Var x) => Activate(x, Activation.Relu);
    /// <summary>x where x > 0, slope * x elsewhere.</summary>
    public Var LeakyRelu(Var x, float slope = 0.01f) => Activate(x, Activation.LeakyRelu, slope);

    /// <summary>y = f(x); the backward uses only y (see IBackend.ActivationBackward).</summary>
    public Var Activate(Var x, Activation f, float slope = 0f)
    {
        bool tracked = Tracks(x);
        var y = Output(x.Shape, tracked);
        Backend.ActivationForward(f, slope, x.Value, y.Value);
        if (tracked)
            Record(() =>
            {
                if (y.Grad is not null) Backend.ActivationBackward(f, slope, y.Value, y.Grad, GradOf(x));
            });
        return y;
    }

    private Var Binary(string op, Var a, Var b, Action<Tensor, Tensor, Tensor> forward, Action<Tensor, Tensor?, Tensor?> backward)
    {
        ShapeOf.RequireSame(op, a.Value, b.Value);
        bool tracked = Tracks(a, b);
        var y = Output(a.Shape, tracked);
        forward(a.Value, b.Value, y.Value);
        if (tracked)
            Record(() =>
            {
                if (y.Grad is null) return;
                backward(y.Grad, a.RequiresGrad ? GradOf(a) : null, b.RequiresGrad ? GradOf(b) : null);
            }, op);
        return y;
    }
}
