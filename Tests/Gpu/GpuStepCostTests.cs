// What a training step costs a GPU backend (launches, blocking transfers), and the device-side
// scalars that keep the loss and its gradient seed off the host: ScaledSum and AddScaledScalar.
using Engine.Kernels.Gpu;
using Engine.Models;
using Engine.Training.Bench;
using Xunit;
using static Engine.Tests.Gpu.GpuTestDevice;

namespace Engine.Tests.Gpu;

[Collection(GpuCollection.Name)]
public class GpuStepCostTests
{
    public static IEnumerable<object[]> Devices => Support.BackendCases.Gpu;

    /// <summary>
    /// The bench's LSTM step (loss = mean(y^2), clip norm, SGD with its guard) at T 64: one fused
    /// launch per time step and direction plus the step's other kernels (the bias gradient over T B =
    /// 128 rows is two blocks of 64 and a pass adding them), and three blocking transfers,
    /// each a read the host makes: the clip statistics (the clip decision and its telemetry), the
    /// optimizer guard's count, and the loss (read at the end of the step, for the log and the
    /// divergence rule). Counts depend on T and the code path, not on the widths. The
    /// figures are exact, so a change that adds a launch or a transfer to the step shows here.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void An_lstm_step_at_T_64_takes_157_launches_and_3_transfers(string device)
    {
        using var backend = Open(device);
        var work = DeviceWorkBench.PerStep(backend, CellKind.Lstm, 64, 2, 3, 4)!.Value;
        Assert.Equal(new DeviceWork(157, 3), work);
        // Twice as many steps add exactly the two launches per step of the time loop.
        var longer = DeviceWorkBench.PerStep(backend, CellKind.Lstm, 128, 2, 3, 4)!.Value;
        Assert.Equal(new DeviceWork(157 + 2 * 64, 3), longer);
    }

    /// <summary>
    /// A character-LM step (embedding, LSTM, head, mean softmax cross-entropy, clip norm, SGD) at T 64:
    /// the three reads of the LSTM step, and two uploads: the step's ids (with the embedding
    /// gradient's plan, which its backward reuses) and its targets (which the softmax backward
    /// reuses). The loss and its gradient seed stay on the device.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void A_char_lm_step_reads_the_loss_once_and_uploads_ids_and_targets_once(string device)
    {
        using var backend = Open(device);
        var work = DeviceWorkBench.PerCharLmStep(backend, CellKind.Lstm, 64, 2, 3, 4, 5)!.Value;
        Assert.Equal(new DeviceWork(168, 5), work);
    }

    /// <summary>
    /// The mean loss is formed on the device as the host forms it from the total ((float)(total / N),
    /// the rows' losses added in order in double), and the backward scales by dLoss[0] / N in float as
    /// the host did after reading the seed: on the CPU accelerator both are bit-identical to the
    /// host's route, with no blocking transfer. N = 0 gives a zero loss and no gradient.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void Mean_softmax_cross_entropy_and_its_seed_stay_on_the_device_with_the_host_values(string device)
    {
        using var gpu = (GpuBackend)Open(device);
        foreach (var (rows, classes) in new[] { (37, 5), (9, 300), (0, 4) })
        {
            var logits = gpu.FromArray(Values(rows * classes, rows, scale: 8f), rows, classes);
            int[] targets = Enumerable.Range(0, rows).Select(r => (r * 7 + 3) % classes).ToArray();
            var (probs, hostProbs, loss) = (gpu.Zeros(rows, classes), gpu.Zeros(rows, classes), gpu.FromArray([float.NaN], 1));
            double total = gpu.SoftmaxCrossEntropyForward(logits, targets, hostProbs);
            gpu.SoftmaxCrossEntropyMean(logits, targets, probs, gpu.Zeros(1)); // uploads the targets once
            var before = gpu.Work;
            gpu.SoftmaxCrossEntropyMean(logits, targets, probs, loss);
            Assert.Equal(0, (gpu.Work - before).BlockingTransfers);
            Assert.Equal(new[] { rows == 0 ? 0f : (float)(total / rows) }, gpu.Download(loss));
            Assert.Equal(gpu.Download(hostProbs), gpu.Download(probs));

            var seed = gpu.FromArray([0.75f], 1);
            var (dLogits, hostDLogits) = (gpu.FromArray(Values(rows * classes, 5), rows, classes), gpu.FromArray(Values(rows * classes, 5), rows, classes));
            if (rows > 0) gpu.SoftmaxCrossEntropyBackward(probs, targets, 0.75f / rows, hostDLogits);
            before = gpu.Work;
            gpu.SoftmaxCrossEntropyMeanBackward(probs, targets, seed, dLogits);
            Assert.Equal(0, (gpu.Work - before).BlockingTransfers);
            Assert.Equal(gpu.Download(hostDLogits), gpu.Download(dLogits));
        }
    }

    /// <summary>
    /// The device finishes the sum as the host did (partials in order, in double, then scaled and
    /// rounded to float), so on the CPU accelerator the loss is bit-identical to Upload(Sum * scale);
    /// a GPU's double arithmetic is the same IEEE arithmetic, in the same order.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void Scaled_sum_and_scalar_seed_stay_on_the_device_with_the_host_values(string device)
    {
        using var gpu = (GpuBackend)Open(device);
        foreach (int n in new[] { 0, 1, 777 })
        {
            var x = gpu.FromArray(Values(n, n), n);
            double scale = n == 0 ? 0 : 1.0 / n;
            var loss = gpu.Zeros(1);
            var before = gpu.Work;
            gpu.ScaledSum(x, scale, loss);
            Assert.Equal(0, (gpu.Work - before).BlockingTransfers);
            Assert.Equal(new[] { (float)(gpu.Sum(x) * scale) }, gpu.Download(loss));

            var seed = gpu.FromArray([-2.5f], 1);
            var y = gpu.FromArray(Values(n, 3), n);
            float v = (float)(-2.5f * scale);
            var expected = gpu.Download(y).Select(e => e + v).ToArray();
            before = gpu.Work;
            gpu.AddScaledScalar(seed, scale, y);
            Assert.Equal(new DeviceWork(n == 0 ? 0 : 1, 0), gpu.Work - before);
            Assert.Equal(expected, gpu.Download(y));
        }
    }

    /// <summary>
    /// The clip stage's tables depend only on the segments: uploaded on the first call, not again
    /// while the segments stay the same, and again when they change.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void Clip_tables_are_uploaded_once_per_layout(string device)
    {
        using var gpu = (GpuBackend)Open(device);
        var x = gpu.FromArray(Values(100, 5), 100);
        var results = new SegmentStatistics[2];
        int Transfers(int[] offsets, int[] lengths)
        {
            var before = gpu.Work;
            gpu.SegmentStatistics(x, offsets, lengths, results);
            return (int)(gpu.Work - before).BlockingTransfers;
        }
        Assert.Equal(2, Transfers([0, 40], [40, 60]));  // the table, then the partials
        Assert.Equal(1, Transfers([0, 40], [40, 60]));  // the partials only
        Assert.Equal(2, Transfers([0, 50], [50, 50]));  // a new layout: its table again
    }

    /// <summary>
    /// A unit whose weights hold a NaN has a NaN norm; the reference's bound max(||w||, eps) is then
    /// NaN, ||g|| > NaN is false, and the unit is left alone. PTX's max.f64 would return eps instead
    /// and clip it; the device's NaN-propagating max must agree with the reference.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices))]
    public void Adaptive_clipping_leaves_a_unit_with_a_nan_weight_alone_as_the_cpu_does(string device)
    {
        using var gpu = Open(device);
        var twin = new Twin(gpu);
        float[] weights = [float.NaN, 0.001f, 0.001f, 0.001f], grads = [3f, 4f, 3f, 4f];
        var w = twin.Make(weights, 4);
        var g = twin.Make(grads, 4);
        AdaptiveClipResult onReference = default, onDevice = default;
        twin.Both((k, on) =>
        {
            var r = k.AdaptiveClip(on(w), [0], [2], [2], 0.01f, 1e-3f, on(g));
            if (k == twin.Reference) onReference = r; else onDevice = r;
        });
        Assert.Equal(1, onReference.UnitsClipped); // the second unit only
        Assert.Equal(onReference, onDevice);
        Assert.Equal(new[] { 3f, 4f }, gpu.Download(g.Device)[..2]);
        Twin.AssertClose("grads", g, (0, 0));
    }
}
