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

    public long SgdUpdate(Tensor grad, float gradScale, float lr, float momentum, float weightDecay, bool nesterov, bool firstStep, bool guard, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Same("SgdUpdate", param, grad, momentumBuffer);
        if (momentum != 0f && momentumBuffer is null) throw new ArgumentException("SgdUpdate: momentum needs a momentum buffer");
        var (vg, vp) = (View(grad), View(param));
        var vm = momentumBuffer is null ? vp : View(momentumBuffer);
        if (param.Length == 0) return 0;
        sgd ??= accelerator.LoadStreamKernel<ArrayView<float>, SgdScalars, ArrayView<float>, ArrayView<float>, ArrayView<int>>(OptimizerKernels.Sgd);
        var kept = KeptCounter();
        sgd(Spread(param.Length), vg, new SgdScalars(param.Length, gradScale, lr, momentum, weightDecay, nesterov ? 1 : 0, firstStep ? 1 : 0, guard ? 1 : 0), vm, vp, kept);
        return guard ? ReadCount(kept) : 0;
    }

    public long AdamUpdate(Tensor grad, float gradScale, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled,
        float stepSize, float biasCorrection2Sqrt, bool guard, Tensor expAvg, Tensor expAvgSq, Tensor param)
    {
        OptimChecks.Same("AdamUpdate", param, grad, expAvg, expAvgSq);
        var (vg, vm, vv, vp) = (View(grad), View(expAvg), View(expAvgSq), View(param));
        if (param.Length == 0) return 0;
        adam ??= accelerator.LoadStreamKernel<ArrayView<float>, AdamScalars, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>(OptimizerKernels.Adam);
        var kept = KeptCounter();
        adam(Spread(param.Length), vg, new AdamScalars(param.Length, gradScale, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0,
            stepSize, biasCorrection2Sqrt, guard ? 1 : 0), vm, vv, vp, kept);
        return guard ? ReadCount(kept) : 0;
    }

    public long RmspropUpdate(Tensor grad, float gradScale, float lr, float alpha, float eps, float weightDecay, float momentum, bool guard,
        Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, Tensor param)
    {
        OptimChecks.Same("RmspropUpdate", param, grad, squareAvg, gradAvg, momentumBuffer);
        var (vg, vs, vp) = (View(grad), View(squareAvg), View(param));
        var va = gradAvg is null ? vp : View(gradAvg);
        var vm = momentumBuffer is null ? vp : View(momentumBuffer);
        if (param.Length == 0) return 0;
        rmsprop ??= accelerator.LoadStreamKernel<ArrayView<float>, RmspropScalars, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>(OptimizerKernels.Rmsprop);
        var kept = KeptCounter();
        rmsprop(Spread(param.Length), vg, new RmspropScalars(param.Length, gradScale, lr, alpha, eps, weightDecay, momentum,
            gradAvg is null ? 0 : 1, momentumBuffer is null ? 0 : 1, guard ? 1 : 0), vs, va, vm, vp, kept);
        return guard ? ReadCount(kept) : 0;
    }

    public long AdagradUpdate(Tensor grad, float gradScale, float clr, float eps, float weightDecay, bool guard, Tensor sum, Tensor param)
    {
        OptimChecks.Same("AdagradUpdate", param, grad, sum);
        var (vg, vs, vp) = (View(grad), View(sum), View(param));
        if (param.Length == 0) return 0;
        adagrad ??= accelerator.LoadStreamKernel<ArrayView<float>, AdagradScalars, ArrayView<float>, ArrayView<float>, ArrayView<int>>(OptimizerKernels.Adagrad);
        var kept = KeptCounter();
        adagrad(Spread(param.Length), vg, new AdagradScalars(param.Length, gradScale, clr, eps, weightDecay, guard ? 1 : 0), vs, vp, kept);
        return guard ? ReadCount(kept) : 0;
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
