// InitSpec: how a model's parameters start (the --init option): "default" (PyTorch's), "xavier",
// "orthogonal", "identity" (IRNN), "spectral:R" (PyTorch's default, then every recurrent gate block
// scaled to spectral radius R) or "sparse:K:R" (Pascanu, Mikolov & Bengio 2013's initialisation of
// their tanh RNN), plus an optional LSTM forget-gate bias.
using System.Globalization;

namespace Engine.Models.Init;

/// <summary>The initialisation schemes.</summary>
public enum InitScheme
{
    /// <summary>PyTorch's: every weight and bias uniform in ±1/sqrt(H).</summary>
    Default,
    /// <summary>Glorot uniform, per gate block.</summary>
    Xavier,
    /// <summary>Orthogonal gate blocks.</summary>
    Orthogonal,
    /// <summary>IRNN: identity recurrent weights, small input weights, zero biases.</summary>
    Identity,
    /// <summary>PyTorch's, then every recurrent gate block scaled to a spectral radius.</summary>
    Spectral,
    /// <summary>
    /// Pascanu et al. (2013): every unit has K incoming recurrent weights from N(0, 1), the rest zero, each gate
    /// block then scaled to a spectral radius; input and output weights from N(0, 0.01^2); biases zero.
    /// </summary>
    Sparse,
}

/// <summary>An initialisation scheme with its settings; Parse reads the --init syntax.</summary>
/// <param name="Scheme">The scheme.</param>
/// <param name="SpectralRadius">The radius R of spectral:R and sparse:K:R.</param>
/// <param name="ForgetBias">An LSTM forget-gate bias, or null for the scheme's.</param>
/// <param name="Connections">The incoming recurrent connections K of sparse:K:R.</param>
public sealed record InitSpec(InitScheme Scheme, double SpectralRadius = 0, float? ForgetBias = null, int Connections = 0)
{
    /// <summary>PyTorch's initialisation.</summary>
    public static InitSpec Default { get; } = new(InitScheme.Default);

    /// <summary>Parses the --init syntax, with an optional forget-gate bias; nonsense is refused in one line.</summary>
    public static InitSpec Parse(string text, float? forgetBias = null)
    {
        var parts = text.Trim().Split(':');
        InitSpec spec = (parts[0], parts.Length) switch
        {
            ("default", 1) => new(InitScheme.Default),
            ("xavier", 1) => new(InitScheme.Xavier),
            ("orthogonal", 1) => new(InitScheme.Orthogonal),
            ("identity", 1) => new(InitScheme.Identity),
            ("spectral", 2) => new(InitScheme.Spectral, Radius(text, parts[1])),
            ("sparse", 3) => new(InitScheme.Sparse, Radius(text, parts[2]), Connections: ParseConnections(text, parts[1])),
            _ => throw new ArgumentException($"unknown init '{text}'; choose one of: default, xavier, orthogonal, identity, spectral:R, sparse:K:R"),
        };
        if (forgetBias is { } f && !float.IsFinite(f)) throw new ArgumentException($"forget-gate bias must be a finite number, got {f}");
        return spec with { ForgetBias = forgetBias };
    }

    private static double Radius(string text, string s)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) || !(r > 0) || double.IsInfinity(r))
            throw new ArgumentException($"init '{text}': spectral radius must be a finite number above 0, got {s}");
        return r;
    }

    /// <summary>Refuses, in one line, a sparse:K:R with more incoming connections K than a layer has units.</summary>
    public void CheckFits(int hidden)
    {
        if (Scheme == InitScheme.Sparse && Connections > hidden)
            throw new ArgumentException($"init '{this}': {Connections} incoming connections per unit, but a layer has only {hidden} units");
    }

    private static int ParseConnections(string text, string s)
    {
        if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k < 1)
            throw new ArgumentException($"init '{text}': the incoming connections K must be a whole number of at least 1, got {s}");
        return k;
    }

    /// <summary>The --init text (and the forget bias, when set).</summary>
    public override string ToString()
        => Scheme switch
        {
            InitScheme.Spectral => $"spectral:{SpectralRadius.ToString("R", CultureInfo.InvariantCulture)}",
            InitScheme.Sparse => $"sparse:{Connections.ToString(CultureInfo.InvariantCulture)}:{SpectralRadius.ToString("R", CultureInfo.InvariantCulture)}",
            InitScheme.Default or InitScheme.Xavier or InitScheme.Orthogonal or InitScheme.Identity => Scheme.ToString().ToLowerInvariant(),
            _ => throw new UnhandledKindException(Scheme),
        }
           + (ForgetBias is { } f ? $" (forget bias {f.ToString("R", CultureInfo.InvariantCulture)})" : "");
}
