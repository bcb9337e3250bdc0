// SpectralNorms: the largest singular value of each recurrent matrix W_hh, by PyTorch name, for the
// telemetry: the theory of exploding and vanishing gradients (Pascanu et al. 2013) is stated in terms
// of it (a tanh RNN's gradients can explode only when it exceeds 1, and must vanish when it is below 1).
// Power iteration on W^T W in double from a fixed start, so the figures are deterministic; it costs a
// few matrix-vector products per matrix, and reads the weights back from the device.
namespace Engine.Models;

/// <summary>Spectral norms of the recurrent matrices.</summary>
public static class SpectralNorms
{
    /// <summary>Power iterations: each multiplies the error in the estimate by (sigma_2 / sigma_1)^2.</summary>
    public const int Iterations = 30;

    /// <summary>sigma_max of every parameter whose name holds weight_hh_l, in store order.</summary>
    public static IReadOnlyDictionary<string, double> Recurrent(ParameterStore store)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in store.All)
            if (p.Name.Contains("weight_hh_l", StringComparison.Ordinal))
                result[p.Name] = Largest(p.Value.ToArray(), p.Shape[0], p.Shape[1]);
        return result;
    }

    /// <summary>
    /// The largest singular value of the row-major [rows, cols] matrix w: v = W^T W v / ||W^T W v||, repeated,
    /// from v = (1, ..., 1) / sqrt(cols), then ||W v||.
    /// </summary>
    public static double Largest(ReadOnlySpan<float> w, int rows, int cols, int iterations = Iterations)
    {
        if (w.Length != rows * cols) throw new ArgumentException($"SpectralNorms: {w.Length} values for a [{rows}, {cols}] matrix");
        if (rows == 0 || cols == 0) return 0;
        var v = new double[cols];
        var u = new double[rows];
        Array.Fill(v, 1.0 / Math.Sqrt(cols));
        double sigma = 0;
        for (int k = 0; k < iterations; k++)
        {
            sigma = Math.Sqrt(Multiply(w, rows, cols, v, u)); // u = W v, sigma = ||W v||
            if (sigma == 0) return 0;                         // v lies in the null space (or W is 0)
            Array.Clear(v);
            for (int i = 0; i < rows; i++)                    // v = W^T u, normalised
                for (int j = 0; j < cols; j++) v[j] += w[i * cols + j] * u[i];
            double norm = Math.Sqrt(v.Sum(x => x * x));
            if (norm == 0) return 0;
            for (int j = 0; j < cols; j++) v[j] /= norm;
        }
        return Math.Sqrt(Multiply(w, rows, cols, v, u));
    }

    /// <summary>u = W v; returns ||u||^2.</summary>
    private static double Multiply(ReadOnlySpan<float> w, int rows, int cols, double[] v, double[] u)
    {
        double squares = 0;
        for (int i = 0; i < rows; i++)
        {
            double s = 0;
            for (int j = 0; j < cols; j++) s += w[i * cols + j] * v[j];
            u[i] = s;
            squares += s * s;
        }
        return squares;
    }
}
