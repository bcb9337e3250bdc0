// GemmBench: SGEMM throughput of a backend at the shapes a training step uses, in GFLOP/s.

namespace Engine.Training.Bench;

/// <summary>A GEMM of a training step; Prepared marks the per-step products whose right operand (W_hh) is packed once per pass.</summary>
public sealed record GemmShape(string Use, bool TransA, bool TransB, int M, int N, int K, bool Prepared = false);

public static class GemmBench
{
    /// <summary>
    /// The GEMMs of one recurrent layer's step for T, B, I, H and gates g: the input projection of all
    /// steps, the per-step recurrent product, and the backward products (dX, dW_ih, dW_hh).
    /// </summary>
    public static IEnumerable<GemmShape> ShapesFor(int t, int b, int i, int h, int gates) =>
    [
        new("input projection X W_ih^T", false, true, t * b, gates * h, i),
        new("recurrent h W_hh^T (per step)", false, true, b, gates * h, h, Prepared: true),
        new("backward dX = dG W_ih", false, false, t * b, i, gates * h),
        new("backward dW_ih = dG^T X", true, false, gates * h, i, t * b),
        new("backward dW_hh = dG^T H", true, false, gates * h, h, t * b),
        new("backward dh = dG W_hh (per step)", false, false, b, h, gates * h, Prepared: true),
    ];

    /// <summary>
    /// GFLOP/s of the shape and the FMA peak of all cores, measured in turn, five times each, with at
    /// least minSeconds of GEMM timing in all: the medians of each. This VM's speed drifts by up to 2x
    /// within seconds; against one peak taken at the start, the same shape read 57% in one run and 98%
    /// in the next.
    /// </summary>
    public static (double Gflops, double Peak) MeasureBesidePeak(IBackend backend, GemmShape s, int threads, double minSeconds = 0.3)
    {
        var rng = new Rng(1);
        Tensor Random(int n)
        {
            var data = new float[n];
            for (int j = 0; j < n; j++) data[j] = (float)rng.Uniform(-1, 1);
            return backend.FromArray(data, n);
        }
        var a = Random(s.M * s.K);
        var b = Random(s.K * s.N);
        var c = backend.Zeros(s.M * s.N);
        var prepared = s.Prepared ? backend.Prepare(b, s.TransB, s.K, s.N) : null;
        void Call()
        {
            if (prepared is null) backend.Gemm(s.TransA, s.TransB, s.M, s.N, s.K, 1f, a, b, 0f, c);
            else backend.Gemm(s.TransA, s.M, 1f, a, prepared, 0f, c);
        }
        const int Turns = 5;
        var gflops = new List<double>();
        var peaks = new List<double>();
        for (int turn = 0; turn < Turns; turn++)
        {
            peaks.Add(FmaPeak.Measure(threads, rounds: 1));
            gflops.Add(2.0 * s.M * s.N * s.K / (Timing.MedianMs(backend, Call, minSeconds / Turns) / 1000) / 1e9);
        }
        return (Statistics.Median(gflops), Statistics.Median(peaks));
    }
}
