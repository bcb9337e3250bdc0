// Initializer: fills a parameter store according to an InitSpec, drawing from one seeded Rng in store
// order, so the same seed gives bit-identical weights. Parameters are recognised by their PyTorch
// names: embedding.weight, *weight_ih_l*, *weight_hh_l*, *bias_ih_l*, *bias_hh_l*, layer_norm.*, head.weight,
// head.bias.
namespace Engine.Models.Init;

/// <summary>Seeded initialisation of a model's parameters by scheme.</summary>
public static class Initializer
{
    /// <summary>The standard deviation of sparse:K:R's input and output weights (Pascanu et al. 2013).</summary>
    public const double SparseOuterStd = 0.01;

    /// <summary>Fills every parameter of the store by its name, drawing in store order from an Rng seeded with seed.</summary>
    /// <param name="store">The model's parameters, named as PyTorch names them.</param>
    /// <param name="spec">The scheme, and an optional LSTM forget-gate bias.</param>
    /// <param name="gates">Gate blocks per recurrent matrix (4 LSTM, 3 GRU, 1 RNN): blocks are initialised one by one.</param>
    /// <param name="seed">The seed: the same seed gives bit-identical weights.</param>
    public static void Apply(ParameterStore store, InitSpec spec, int gates, ulong seed)
    {
        if (store.All.FirstOrDefault(p => p.Name.Contains("weight_hh_l")) is { } w) spec.CheckFits(w.Shape[1]);
        var rng = new Rng(seed);
        foreach (var p in store.All)
        {
            var values = new float[p.Length];
            string name = p.Name;
            if (name.EndsWith("embedding.weight", StringComparison.Ordinal)) FillGaussian(values, rng, 1.0);
            // nn.LayerNorm starts as the identity: weight 1, bias 0 (and draws nothing, so the other weights do not move).
            else if (name.StartsWith(RecurrentStack.LayerNormPrefix, StringComparison.Ordinal)) values.AsSpan().Fill(name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f);
            else if (name.Contains("weight_hh_l")) Recurrent(values, p.Shape, spec, gates, rng);
            else if (name.Contains("weight_ih_l")) InputWeights(values, p.Shape, spec, gates, rng);
            else if (name.Contains("bias_ih_l") || name.Contains("bias_hh_l"))
            {
                if (spec.Scheme is InitScheme.Default or InitScheme.Spectral) FillUniform(values, rng, 1 / Math.Sqrt(p.Length / gates));
                if (spec.ForgetBias is { } f && gates == 4)
                    // Gate order i, f, g, o: the forget block is [H, 2H). The whole bias goes on b_ih.
                    values.AsSpan(p.Length / 4, p.Length / 4).Fill(name.Contains("bias_ih") ? f : 0f);
            }
            else if (spec.Scheme == InitScheme.Sparse) { if (p.Shape.Length >= 2) FillGaussian(values, rng, SparseOuterStd); } // the head: small weights, zero bias
            else FillUniform(values, rng, 1 / Math.Sqrt(p.Shape.Length >= 2 ? p.Shape[1] : store["head.weight"].Shape[1]));
            store.Set(p.Name, values);
        }
    }

    private static void InputWeights(float[] values, int[] shape, InitSpec spec, int gates, Rng rng)
    {
        int rows = shape[0], cols = shape[1], hidden = rows / gates;
        switch (spec.Scheme)
        {
            case InitScheme.Xavier:
                FillUniform(values, rng, Math.Sqrt(6.0 / (hidden + cols)));
                break;
            case InitScheme.Orthogonal:
                for (int g = 0; g < gates; g++) Orthogonal(values.AsSpan(g * hidden * cols, hidden * cols), hidden, cols, rng);
                break;
            case InitScheme.Identity:
                FillGaussian(values, rng, 0.001); // IRNN (Le et al. 2015): small input weights
                break;
            case InitScheme.Default or InitScheme.Spectral:
                FillUniform(values, rng, 1 / Math.Sqrt(hidden));
                break;
            case InitScheme.Sparse:
                FillGaussian(values, rng, SparseOuterStd);
                break;
            default:
                throw new UnhandledKindException(spec.Scheme);
        }
    }

    private static void Recurrent(float[] values, int[] shape, InitSpec spec, int gates, Rng rng)
    {
        int hidden = shape[1];
        for (int g = 0; g < gates; g++)
        {
            var block = values.AsSpan(g * hidden * hidden, hidden * hidden);
            switch (spec.Scheme)
            {
                case InitScheme.Xavier: FillUniform(block, rng, Math.Sqrt(6.0 / (2 * hidden))); break;
                case InitScheme.Orthogonal: Orthogonal(block, hidden, hidden, rng); break;
                case InitScheme.Identity:
                    block.Clear();
                    for (int i = 0; i < hidden; i++) block[i * hidden + i] = 1f;
                    break;
                case InitScheme.Default:
                    FillUniform(block, rng, 1 / Math.Sqrt(hidden));
                    break;
                case InitScheme.Spectral:
                    FillUniform(block, rng, 1 / Math.Sqrt(hidden));
                    ScaleToRadius(block, hidden, spec.SpectralRadius);
                    break;
                case InitScheme.Sparse:
                    SparseRows(block, hidden, spec.Connections, rng);
                    ScaleToRadius(block, hidden, spec.SpectralRadius);
                    break;
                default:
                    throw new UnhandledKindException(spec.Scheme);
            }
        }
    }

    /// <summary>Each row (a unit's incoming weights) gets k entries from N(0, 1) at distinct columns drawn uniformly; the rest are zero.</summary>
    private static void SparseRows(Span<float> block, int n, int k, Rng rng)
    {
        block.Clear();
        var columns = new int[n];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++) columns[c] = c;
            for (int j = 0; j < k; j++) // a partial Fisher-Yates shuffle: the first k columns are a uniform choice
            {
                int pick = j + rng.NextInt(n - j);
                (columns[j], columns[pick]) = (columns[pick], columns[j]);
                block[r * n + columns[j]] = (float)rng.NextGaussian();
            }
        }
    }

    private static void FillUniform(Span<float> values, Rng rng, double bound)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)rng.Uniform(-bound, bound);
    }

    private static void FillGaussian(Span<float> values, Rng rng, double std)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(std * rng.NextGaussian());
    }

    /// <summary>
    /// A [rows, cols] matrix with orthonormal rows (rows &lt;= cols) or columns (rows &gt; cols): modified
    /// Gram-Schmidt (in double) on a Gaussian matrix, as torch.nn.init.orthogonal_ does with QR.
    /// </summary>
    public static void Orthogonal(Span<float> values, int rows, int cols, Rng rng)
    {
        bool transpose = rows > cols;
        int n = transpose ? cols : rows, m = transpose ? rows : cols; // n vectors of length m, n <= m
        var q = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) q[i, j] = rng.NextGaussian();
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < i; k++)
            {
                double dot = 0;
                for (int j = 0; j < m; j++) dot += q[i, j] * q[k, j];
                for (int j = 0; j < m; j++) q[i, j] -= dot * q[k, j];
            }
            double norm = 0;
            for (int j = 0; j < m; j++) norm += q[i, j] * q[i, j];
            norm = Math.Sqrt(norm);
            for (int j = 0; j < m; j++) q[i, j] /= norm;
        }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) values[r * cols + c] = (float)(transpose ? q[c, r] : q[r, c]);
    }

    /// <summary>Scales a square block so its spectral radius is the target (exploding-gradient set-ups use R > 1).</summary>
    private static void ScaleToRadius(Span<float> block, int n, double target)
    {
        double radius = SpectralRadius(block, n);
        float factor = (float)(target / radius);
        for (int i = 0; i < block.Length; i++) block[i] *= factor;
    }

    /// <summary>
    /// The largest eigenvalue magnitude of a square matrix by Gelfand's formula, rho = lim ||A^k||^(1/k),
    /// with k = 2^16 reached by repeated squaring (renormalised each time, logs accumulated in double).
    /// The error is about ln(n) / 2^16 relative, and unlike power iteration it does not care whether the
    /// dominant eigenvalues are real, a complex pair, or many close together (as in random matrices).
    /// </summary>
    public static double SpectralRadius(ReadOnlySpan<float> matrix, int n)
    {
        const int Squarings = 16;
        var b = new double[n * n];
        for (int i = 0; i < b.Length; i++) b[i] = matrix[i];
        var next = new double[n * n];
        double logScale = 0; // b = A^(2^k) / exp(logScale)
        for (int k = 0; k < Squarings; k++)
        {
            Array.Clear(next);
            for (int r = 0; r < n; r++)
                for (int m = 0; m < n; m++)
                {
                    double a = b[r * n + m];
                    if (a == 0) continue;
                    for (int c = 0; c < n; c++) next[r * n + c] += a * b[m * n + c];
                }
            double norm = Math.Sqrt(next.Sum(x => x * x));
            if (norm == 0) return 0;
            for (int i = 0; i < next.Length; i++) b[i] = next[i] / norm;
            logScale = 2 * logScale + Math.Log(norm);
        }
        return Math.Exp(logScale / (1 << Squarings));
    }
}
