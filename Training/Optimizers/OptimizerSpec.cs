// OptimizerSpec: the optimizer a run uses and its settings, validated once with one-line errors, and
// the factory that builds it over a parameter store.
using System.Globalization;

namespace Engine.Training.Optimizers;

public sealed record OptimizerSpec(
    string Name,
    float LearningRate,
    float WeightDecay = 0f,
    float Momentum = 0f,
    bool Nesterov = false,
    float Beta1 = 0.9f,
    float Beta2 = 0.999f,
    float Eps = 1e-8f,
    float Alpha = 0.99f,
    bool Centered = false,
    float LrDecay = 0f)
{
    public static IReadOnlyList<string> Names { get; } = ["sgd", "adam", "adamw", "rmsprop", "adagrad"];

    /// <summary>PyTorch's defaults for each optimizer, at the given learning rate.</summary>
    public static OptimizerSpec Default(string name, float learningRate) => name switch
    {
        "adamw" => new OptimizerSpec(name, learningRate, WeightDecay: 0.01f),
        "rmsprop" => new OptimizerSpec(name, learningRate, Eps: 1e-8f),
        "adagrad" => new OptimizerSpec(name, learningRate, Eps: 1e-10f),
        _ => new OptimizerSpec(name, learningRate),
    };

    public void Validate()
    {
        if (!Names.Contains(Name)) throw new ArgumentException($"unknown optimizer '{Name}'; choose one of: {string.Join(", ", Names)}");
        Positive("learning rate", LearningRate);
        NonNegative("weight decay", WeightDecay);
        NonNegative("momentum", Momentum);
        if (Nesterov && (Name != "sgd" || Momentum <= 0f)) throw new ArgumentException("nesterov needs sgd with a momentum above 0");
        InUnitInterval("beta1", Beta1);
        InUnitInterval("beta2", Beta2);
        InUnitInterval("alpha", Alpha);
        Positive("eps", Eps);
        NonNegative("lr decay", LrDecay);
    }

    public Optimizer Create(ParameterStore store)
    {
        Validate();
        return Name switch
        {
            "sgd" => new Sgd(store, this),
            "adam" or "adamw" => new Adam(store, this),
            "rmsprop" => new Rmsprop(store, this),
            _ => new Adagrad(store, this),
        };
    }

    public override string ToString() => Name switch
    {
        "sgd" => $"sgd(lr={F(LearningRate)}, momentum={F(Momentum)}, nesterov={Nesterov}, weight_decay={F(WeightDecay)})",
        "adam" or "adamw" => $"{Name}(lr={F(LearningRate)}, betas=({F(Beta1)}, {F(Beta2)}), eps={F(Eps)}, weight_decay={F(WeightDecay)})",
        "rmsprop" => $"rmsprop(lr={F(LearningRate)}, alpha={F(Alpha)}, eps={F(Eps)}, momentum={F(Momentum)}, centered={Centered}, weight_decay={F(WeightDecay)})",
        _ => $"adagrad(lr={F(LearningRate)}, lr_decay={F(LrDecay)}, eps={F(Eps)}, weight_decay={F(WeightDecay)})",
    };

    private static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static void Positive(string what, float v)
    {
        if (!(v > 0f) || float.IsInfinity(v)) throw new ArgumentException($"{what} must be a finite number above 0, got {F(v)}");
    }

    private static void NonNegative(string what, float v)
    {
        if (!(v >= 0f) || float.IsInfinity(v)) throw new ArgumentException($"{what} must be a finite number >= 0, got {F(v)}");
    }

    private static void InUnitInterval(string what, float v)
    {
        if (!(v >= 0f && v < 1f)) throw new ArgumentException($"{what} must be in [0, 1), got {F(v)}");
    }
}
