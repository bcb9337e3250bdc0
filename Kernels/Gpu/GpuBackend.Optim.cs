// Optimizer family on ILGPU: each update is one launch over the flat buffers. A state tensor the
// optimizer does not use is passed as the parameter view, which the kernel then never reads.
// With guard on, the count of kept weights comes back to the host (one integer, after the launch).
using ILGPU;
using ILGPU.Runtime;
using Engine.Kernels.Gpu.DeviceKernels;

namespace Engine.Kernels.Gpu;

public sealed partial class GpuBackend
{
    private Action<KernelConfig, ArrayView<float>, SgdScalars, ArrayView<float>, ArrayView<float>, ArrayView<int>>? sgd;
    private Action<KernelConfig, ArrayView<float>, AdamScalars, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>? adam;
    private Action<KernelConfig, ArrayView<float>, RmspropScalars, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>? rmsprop;
    private Action<KernelConfig, ArrayView<float>, AdagradScalars, ArrayView<float>, ArrayView<float>, ArrayView<int>>? adagrad;

    public long SgdUpdate(Tensor grad, in SgdStep step, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Sgd(step, grad, momentumBuffer, param);
        var (vg, vp) = (View(grad), View(param));
        var vm = momentumBuffer is null ? vp : View(momentumBuffer);
        if (param.Length == 0) return 0;
        sgd ??= accelerator.LoadStreamKernel<ArrayView<float>, SgdScalars, ArrayView<float>, ArrayView<float>, ArrayView<int>>(OptimizerKernels.Sgd);
        var kept = KeptCounter();
        sgd(Spread(param.Length), vg, new SgdScalars(param.Length, step.GradScale, step.LearningRate, step.Momentum, step.WeightDecay,
            step.Nesterov ? 1 : 0, step.FirstStep ? 1 : 0, step.Guard ? 1 : 0), vm, vp, kept);
        return step.Guard ? ReadCount(kept) : 0;
    }

    public long AdamUpdate(Tensor grad, in AdamStep step, Tensor expAvg, Tensor expAvgSq, Tensor param)
    {
        OptimChecks.Same("AdamUpdate", param, grad, expAvg, expAvgSq);
        var (vg, vm, vv, vp) = (View(grad), View(expAvg), View(expAvgSq), View(param));
        if (param.Length == 0) return 0;
        adam ??= accelerator.LoadStreamKernel<ArrayView<float>, AdamScalars, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>(OptimizerKernels.Adam);
        var kept = KeptCounter();
        adam(Spread(param.Length), vg, new AdamScalars(param.Length, step.GradScale, step.LearningRate, step.Beta1, step.Beta2, step.Eps, step.WeightDecay,
            step.Decoupled ? 1 : 0, step.StepSize, step.BiasCorrection2Sqrt, step.Guard ? 1 : 0), vm, vv, vp, kept);
        return step.Guard ? ReadCount(kept) : 0;
    }

    public long RmspropUpdate(Tensor grad, in RmspropStep step, Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Same("RmspropUpdate", param, grad, squareAvg, gradAvg, momentumBuffer);
        var (vg, vs, vp) = (View(grad), View(squareAvg), View(param));
        var va = gradAvg is null ? vp : View(gradAvg);
        var vm = momentumBuffer is null ? vp : View(momentumBuffer);
        if (param.Length == 0) return 0;
        rmsprop ??= accelerator.LoadStreamKernel<ArrayView<float>, RmspropScalars, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>(OptimizerKernels.Rmsprop);
        var kept = KeptCounter();
        rmsprop(Spread(param.Length), vg, new RmspropScalars(param.Length, step.GradScale, step.LearningRate, step.Alpha, step.Eps, step.WeightDecay, step.Momentum,
            gradAvg is null ? 0 : 1, momentumBuffer is null ? 0 : 1, step.Guard ? 1 : 0), vs, va, vm, vp, kept);
        return step.Guard ? ReadCount(kept) : 0;
    }

    public long AdagradUpdate(Tensor grad, in AdagradStep step, Tensor sum, Tensor param)
    {
        OptimChecks.Same("AdagradUpdate", param, grad, sum);
        var (vg, vs, vp) = (View(grad), View(sum), View(param));
        if (param.Length == 0) return 0;
        adagrad ??= accelerator.LoadStreamKernel<ArrayView<float>, AdagradScalars, ArrayView<float>, ArrayView<float>, ArrayView<int>>(OptimizerKernels.Adagrad);
        var kept = KeptCounter();
        adagrad(Spread(param.Length), vg, new AdagradScalars(param.Length, step.GradScale, step.DecayedRate, step.Eps, step.WeightDecay, step.Guard ? 1 : 0), vs, vp, kept);
        return step.Guard ? ReadCount(kept) : 0;
    }

    /// <summary>A device integer set to 0 on the stream (no host copy), for a kernel to count into.</summary>
    private ArrayView<int> KeptCounter()
    {
        var counter = ints.Take(1);
        counter.MemSetToZero();
        work.Launches++;
        return counter;
    }

    private long ReadCount(ArrayView<int> counter)
    {
        var host = new int[1];
        ReadBack(counter, host);
        return host[0];
    }
}
