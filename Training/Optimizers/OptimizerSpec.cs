// OptimizerSpec: the optimizer a run uses and its settings. Each kind's name, PyTorch defaults, text
// form and construction live here, in switches that name every kind; settings are validated once
// with one-line errors.
using System.Globalization;
using System.Text.Json.Serialization;

namespace Engine.Training.Optimizers;

/// <summary>The optimizers, as PyTorch's torch.optim classes of the same names.</summary>
public enum OptimizerKind
{
    /// <summary>SGD, with optional (Nesterov) momentum and L2 weight decay.</summary>
    Sgd,
    /// <summary>Adam with L2 weight decay added to the gradient.</summary>
    Adam,
    /// <summary>AdamW: Adam with decoupled weight decay.</summary>
    AdamW,
    /// <summary>RMSprop, optionally centered and with momentum.</summary>
    Rmsprop,
    /// <summary>Adagrad with learning-rate decay.</summary>
    Adagrad,
}

/// <summary>Names (the --optimizer values) of the optimizer kinds.</summary>
public static class OptimizerKinds
{
    /// <summary>Every kind, in declaration order.</summary>
    public static IReadOnlyList<OptimizerKind> All { get; } = Enum.GetValues<OptimizerKind>();

    /// <summary>The command-line and checkpoint name: sgd, adam, adamw, rmsprop, adagrad.</summary>
    public static string Name(this OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => "sgd",
        OptimizerKind.Adam => "adam",
        OptimizerKind.AdamW => "adamw",
        OptimizerKind.Rmsprop => "rmsprop",
        OptimizerKind.Adagrad => "adagrad",
        _ => throw new UnhandledKindException(kind),
    };

    /// <summary>The kind with this name; anything else is refused in one line listing the names.</summary>
    public static OptimizerKind Parse(string name)
        => All.Where(k => k.Name() == name).Select(k => (OptimizerKind?)k).FirstOrDefault()
           ?? throw new ArgumentException($"unknown optimizer '{name}'; choose one of: {string.Join(", ", All.Select(k => k.Name()))}");
}

/// <summary>An optimizer kind with its hyper-parameters; a setting a kind does not use is ignored by it.</summary>
public sealed record OptimizerSpec(
    OptimizerKind Kind,
    float LearningRate,
    float WeightDecay = 0f,
    float Momentum = 0f,
    bool Nesterov = false,
    float Beta1 = OptimizerSpec.DefaultBeta1,
    float Beta2 = OptimizerSpec.DefaultBeta2,
    float Eps = OptimizerSpec.DefaultEps,
    float Alpha = OptimizerSpec.DefaultAlpha,
    bool Centered = false,
    float LrDecay = 0f)
{
    /// <summary>PyTorch's Adam and AdamW beta1.</summary>
    public const float DefaultBeta1 = 0.9f;
    /// <summary>PyTorch's Adam and AdamW beta2.</summary>
    public const float DefaultBeta2 = 0.999f;
    /// <summary>PyTorch's eps for every optimizer but Adagrad (see <see cref="Default(OptimizerKind, float)"/>).</summary>
    public const float DefaultEps = 1e-8f;
    /// <summary>PyTorch's RMSprop smoothing constant.</summary>
    public const float DefaultAlpha = 0.99f;

    /// <summary>The kind's name (sgd, adam, adamw, rmsprop, adagrad).</summary>
    public string Name => Kind.Name();

    /// <summary>
    /// PyTorch's defaults for each kind at the given learning rate: the only two that differ between
    /// kinds are AdamW's weight decay (0.01, where the others have 0) and Adagrad's eps (1e-10).
    /// </summary>
    public static OptimizerSpec Default(OptimizerKind kind, float learningRate) => kind switch
    {
        OptimizerKind.Sgd or OptimizerKind.Adam or OptimizerKind.Rmsprop => new(kind, learningRate),
        OptimizerKind.AdamW => new(kind, learningRate, WeightDecay: 0.01f),
        OptimizerKind.Adagrad => new(kind, learningRate, Eps: 1e-10f),
        _ => throw new UnhandledKindException(kind),
    };

    /// <summary>PyTorch's defaults for the named kind (see <see cref="OptimizerKinds.Parse"/>).</summary>
    public static OptimizerSpec Default(string name, float learningRate) => Default(OptimizerKinds.Parse(name), learningRate);

    /// <summary>Checks every setting; the first problem is reported in one line.</summary>
    public void Validate()
    {
        _ = Kind.Name();
        Positive("learning rate", LearningRate);
        NonNegative("weight decay", WeightDecay);
        NonNegative("momentum", Momentum);
        if (Nesterov && (Kind != OptimizerKind.Sgd || Momentum <= 0f)) throw new ArgumentException("nesterov needs sgd with a momentum above 0");
        InUnitInterval("beta1", Beta1);
        InUnitInterval("beta2", Beta2);
        InUnitInterval("alpha", Alpha);
        Positive("eps", Eps);
        NonNegative("lr decay", LrDecay);
    }

    /// <summary>The optimizer over a parameter store, after validating the settings.</summary>
    public Optimizer Create(ParameterStore store)
    {
        Validate();
        return Kind switch
        {
            OptimizerKind.Sgd => new Sgd(store, this),
            OptimizerKind.Adam or OptimizerKind.AdamW => new Adam(store, this),
            OptimizerKind.Rmsprop => new Rmsprop(store, this),
            OptimizerKind.Adagrad => new Adagrad(store, this),
            _ => throw new UnhandledKindException(Kind),
        };
    }

    /// <summary>State tensors the optimizer keeps, each as long as the parameter buffer (for memory estimates).</summary>
    [JsonIgnore]
    public int StateTensors => Kind switch
    {
        OptimizerKind.Sgd => Momentum > 0f ? 1 : 0,
        OptimizerKind.Adam or OptimizerKind.AdamW => 2,
        OptimizerKind.Rmsprop => 1 + (Centered ? 1 : 0) + (Momentum > 0f ? 1 : 0),
        OptimizerKind.Adagrad => 1,
        _ => throw new UnhandledKindException(Kind),
    };

    /// <summary>The settings the kind uses, in PyTorch's words, e.g. "adam(lr=0.002, betas=(0.9, 0.999), eps=1E-08, weight_decay=0)".</summary>
    public override string ToString() => Kind switch
    {
        OptimizerKind.Sgd => $"sgd(lr={F(LearningRate)}, momentum={F(Momentum)}, nesterov={Nesterov}, weight_decay={F(WeightDecay)})",
        OptimizerKind.Adam or OptimizerKind.AdamW => $"{Name}(lr={F(LearningRate)}, betas=({F(Beta1)}, {F(Beta2)}), eps={F(Eps)}, weight_decay={F(WeightDecay)})",
        OptimizerKind.Rmsprop => $"rmsprop(lr={F(LearningRate)}, alpha={F(Alpha)}, eps={F(Eps)}, momentum={F(Momentum)}, centered={Centered}, weight_decay={F(WeightDecay)})",
        OptimizerKind.Adagrad => $"adagrad(lr={F(LearningRate)}, lr_decay={F(LrDecay)}, eps={F(Eps)}, weight_decay={F(WeightDecay)})",
        _ => throw new UnhandledKindException(Kind),
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
