// Every ILGPU kernel run with grids of three groups of 256 threads on the CPU accelerator (where
// launches are otherwise one group of 32), against the same kernels at the default launch shape.
// Grid-stride loops, per-group tiles and the fixed-split sums must not depend on the launch shape:
// their results are compared bit for bit. The group-wide tree of softmax's row sums combines in an
// order set by the group size, so there the results may differ by a rounding of a double: compared within 1e-12 relative, and the
// float outputs derived from them within one float rounding (1e-6 relative).
using Engine.Kernels.Gpu;
using Engine.Tests.Support;
using Xunit;
using static Engine.Tests.Gpu.GpuTestDevice;

namespace Engine.Tests.Gpu;

[Collection(GpuCollection.Name)]
public class GpuLaunchShapeTests
{
    /// <summary>Tensors of one run, made from seeds so the two backends get the same values.</summary>
    private sealed class Env(IBackend k)
    {
        public IBackend K { get; } = k;
        public List<Tensor> All { get; } = [];

        public Tensor R(int seed, params int[] shape) => Keep(K.FromArray(Values(ShapeOf.Numel(shape), seed), shape));
        public Tensor Z(params int[] shape) => Keep(K.Zeros(shape));
        public Tensor Of(float[] values) => Keep(K.FromArray(values, values.Length));

        /// <summary>Positive values, for optimizer state that is a running mean of squares.</summary>
        public Tensor P(int seed, int n) => Of(Values(n, seed).Select(MathF.Abs).ToArray());
        private Tensor Keep(Tensor t) { All.Add(t); return t; }
    }

    private static IEnumerable<(string Name, bool Tree, Func<Env, object?> Op)> Cases()
    {
        int[] ids = [3, 0, 3, 1, 4, 3, 0, 2, 1];
        yield return ("Fill", false, e => { e.K.Fill(0.25f, e.Z(700)); return null; });
        yield return ("Add", false, e => { e.K.Add(e.R(1, 700), e.R(2, 700), e.Z(700)); return null; });
        yield return ("Sub", false, e => { e.K.Sub(e.R(1, 700), e.R(2, 700), e.Z(700)); return null; });
        yield return ("Mul", false, e => { e.K.Mul(e.R(1, 700), e.R(2, 700), e.Z(700)); return null; });
        yield return ("MulAccumulate", false, e => { e.K.MulAccumulate(e.R(1, 700), e.R(2, 700), e.R(3, 700)); return null; });
        yield return ("Axpy", false, e => { e.K.Axpy(0.5f, e.R(1, 700), e.R(2, 700)); return null; });
        yield return ("AddScaledScalar", false, e => { e.K.AddScaledScalar(e.R(1, 1), 0.3, e.R(2, 700)); return null; });
        foreach (var f in Enum.GetValues<Activation>())
        {
            yield return ($"{f} forward", false, e => { e.K.ActivationForward(f, 0.1f, e.R(1, 700), e.Z(700)); return null; });
            yield return ($"{f} backward", false, e => { e.K.ActivationBackward(f, 0.1f, e.R(1, 700), e.R(2, 700), e.R(3, 700)); return null; });
        }
        yield return ("CopyColumns", false, e => { e.K.CopyColumns(e.R(1, 9, 70), 5, e.R(2, 9, 60), 3, 50, true); return null; });
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                yield return ($"Gemm {ta} {tb}", false, e =>
                {
                    e.K.Gemm(ta, tb, 70, 67, 35, 0.5f, e.R(1, ta ? [35, 70] : [70, 35]), e.R(2, tb ? [67, 35] : [35, 67]), 1f, e.R(3, 70, 67));
                    return null;
                });
        // The short tile split over K (4 segments of 160, a second pass adding them), and the tall tile (4 of 144).
        yield return ("Gemm short split", false, e => { e.K.Gemm(false, true, 7, 70, 600, 1f, e.R(1, 7, 600), e.R(2, 70, 600), 0f, e.Z(7, 70)); return null; });
        yield return ("Gemm tall split", false, e => { e.K.Gemm(true, false, 40, 20, 520, 1f, e.R(1, 520, 40), e.R(2, 520, 20), 0.5f, e.R(3, 40, 20)); return null; });
        yield return ("AddBias", false, e => { e.K.AddBias(e.R(1, 9, 70), e.R(2, 70), e.Z(9, 70)); return null; });
        yield return ("BiasBackward", false, e => { e.K.BiasBackward(e.R(1, 9, 70), e.R(2, 70)); return null; });
        yield return ("BiasBackward in blocks", false, e => { e.K.BiasBackward(e.R(1, 200, 30), e.R(2, 30)); return null; });
        yield return ("Sum", false, e => e.K.Sum(e.R(1, 10_007)));
        yield return ("Dot", false, e => e.K.Dot(e.R(1, 10_007), e.R(2, 10_007)));
        yield return ("ScaledSum", false, e => { e.K.ScaledSum(e.R(1, 10_007), 1e-3, e.Z(1)); return null; });
        yield return ("EmbeddingForward", false, e => { e.K.EmbeddingForward(e.R(1, 5, 30), ids, e.Z(ids.Length, 30)); return null; });
        yield return ("EmbeddingBackward", false, e => { e.K.EmbeddingBackward(e.R(1, ids.Length, 30), ids, e.R(2, 5, 30)); return null; });
        int[] frequent = Enumerable.Range(0, 200).Select(r => r % 7 == 0 ? 1 : 0).ToArray(); // id 0 in three chunks
        yield return ("EmbeddingBackward in chunks", false, e => { e.K.EmbeddingBackward(e.R(1, frequent.Length, 30), frequent, e.R(2, 2, 30)); return null; });
        yield return ("SoftmaxCrossEntropyForward", true, e => e.K.SoftmaxCrossEntropyForward(e.R(1, 4, 300), [0, 299, 7, 150], e.Z(4, 300)));
        yield return ("SoftmaxCrossEntropyBackward", false, e => { e.K.SoftmaxCrossEntropyBackward(e.R(1, 4, 300), [0, 299, 7, 150], 0.25f, e.R(2, 4, 300)); return null; });
        yield return ("LstmGatesForward", false, e => { e.K.LstmGatesForward(e.R(1, 3, 50), e.R(2, 3, 200), e.Z(3, 50), e.Z(3, 50)); return null; });
        yield return ("LstmGatesBackward", false, e => { e.K.LstmGatesBackward(e.R(1, 3, 200), e.R(2, 3, 50), e.R(3, 3, 50), e.R(4, 3, 50), e.R(5, 3, 50), e.Z(3, 200)); return null; });
        yield return ("GruGatesForward", false, e => { e.K.GruGatesForward(e.R(1, 3, 50), e.R(2, 3, 150), e.R(3, 3, 150), e.Z(3, 50)); return null; });
        yield return ("GruGatesBackward", false, e => { e.K.GruGatesBackward(e.R(1, 3, 50), e.R(2, 3, 150), e.R(3, 3, 150), e.R(4, 3, 50), e.Z(3, 150), e.Z(3, 150), e.Z(3, 50)); return null; });
        yield return ("LstmSequence", false, e =>
        {
            var (gates, weights, h0, c0, cells, y) = (e.R(1, 3, 2, 40), e.R(2, 40, 10), e.R(3, 2, 10), e.R(4, 2, 10), e.Z(3, 2, 10), e.Z(3, 2, 10));
            e.K.LstmSequenceForward(gates, e.R(5, 40), e.K.Prepare(weights, true, 10, 40), h0, c0, cells, y);
            e.K.LstmSequenceBackward(gates, c0, cells, e.K.Prepare(weights, false, 40, 10), e.R(6, 3, 2, 10), e.R(7, 2, 10), e.R(8, 2, 10), e.Z(3, 2, 40), null);
            return null;
        });
        int[] offsets = [0, 100, 5000], lengths = [100, 4900, 5000];
        yield return ("SegmentStatistics", false, e =>
        {
            var results = new SegmentStatistics[3];
            e.K.SegmentStatistics(e.R(1, 10_000), offsets, lengths, results);
            return results;
        });
        yield return ("ScaleSegments", false, e => { e.K.ScaleSegments([0.5f, 2f, -1f], offsets, lengths, e.R(1, 10_000)); return null; });
        yield return ("ClampValues", false, e => e.K.ClampValues(0.3f, e.R(1, 10_007)));
        yield return ("ReplaceNonFinite", false, e =>
        {
            var values = Values(700, 1);
            (values[0], values[1]) = (float.NaN, float.PositiveInfinity);
            e.K.ReplaceNonFinite(0f, e.Of(values));
            return null;
        });
        yield return ("AdaptiveClip", false, e => e.K.AdaptiveClip(e.R(1, 2000), [0, 1000], [10, 1000], [100, 1], 0.01f, 1e-3f, e.R(2, 2000)));
        yield return ("SgdUpdate", false, e => e.K.SgdUpdate(e.R(1, 700), new SgdStep(0.5f, 0.1f, 0.9f, 0.01f, true, false, true), e.R(2, 700), e.R(3, 700)));
        yield return ("AdamUpdate", false, e => e.K.AdamUpdate(e.R(1, 700), new AdamStep(0.5f, 0.1f, 0.9f, 0.999f, 1e-8f, 0.01f, true, 0.1f, 0.9f, true), e.R(2, 700), e.P(3, 700), e.R(4, 700)));
        yield return ("RmspropUpdate", false, e => e.K.RmspropUpdate(e.R(1, 700), new RmspropStep(0.5f, 0.1f, 0.99f, 1e-8f, 0.01f, 0.9f, true), e.P(2, 700), null, e.R(4, 700), e.R(5, 700)));
        yield return ("AdagradUpdate", false, e => e.K.AdagradUpdate(e.R(1, 700), new AdagradStep(0.5f, 0.1f, 1e-10f, 0.01f, true), e.P(2, 700), e.R(3, 700)));
    }

    [SkippableFact]
    public void Every_kernel_gives_the_same_results_on_grids_of_three_groups_of_256()
    {
        using var single = (GpuBackend)Open(Cpu);
        using var grid = GpuBackend.CreateWithGrid(Cpu, 3);
        foreach (var (name, tree, op) in Cases())
        {
            Env a = new(single), b = new(grid);
            object? ra = op(a), rb = op(b);
            double tolerance = tree ? 1e-12 : 0;
            foreach (var (x, y) in Numbers(ra).Zip(Numbers(rb)))
                Assert.True(tree ? Math.Abs(x - y) <= tolerance * Math.Abs(x) : x.Equals(y), $"{name}: result {y} on the grid, {x} at the default shape");
            for (int t = 0; t < a.All.Count; t++)
                Fixtures.AssertClose($"{name} tensor {t}", single.Download(a.All[t]), grid.Download(b.All[t]), 0, tree ? 1e-6 : 0);
        }
    }

    /// <summary>The numbers in a kernel's return value.</summary>
    private static IEnumerable<double> Numbers(object? result) => result switch
    {
        null => [],
        double d => [d],
        long l => [l],
        AdaptiveClipResult r => [r.SumSquaresAfter, r.UnitsClipped],
        SegmentStatistics[] s => s.SelectMany(x => new[] { x.SumSquares, x.SumAbs, x.MaxAbs, x.NonFinite }),
        _ => throw new ArgumentException($"no numbers known for a {result.GetType().Name}"),
    };
}
