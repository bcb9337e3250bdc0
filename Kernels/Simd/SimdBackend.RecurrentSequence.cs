// The RNN and GRU time loops on one core: each step is the recurrent product (SmallProduct, on a panel
// of W_hh laid out once per pass) and the step's element-wise kernel on whole [B, H] spans, with no
// tensor views, argument checks or hand-offs to the cores per step. Small models are dispatch-bound:
// a step-by-step pass of a 50-unit RNN spent most of its time between the kernels, not in them.
// Not here: matrices whose panel outgrows L2 (TimeLoopFits), where the threaded, packed GEMM of the
// step-by-step loops (RnnLoop, GruLoop) wins.
namespace Engine.Kernels;

public unsafe partial class SimdBackend
{
    /// <summary>Whether a loop's W_hh panel, [k, n rounded up to 32] floats, fits in 128 KB (half a typical L2).</summary>
    private static bool TimeLoopFits(PreparedMatrix weights)
        => System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && (long)weights.K * SmallProduct.PaddedColumns(weights.N) <= 32 * 1024;

    public void RnnSequenceForward(Activation f, float slope, Tensor pre, PreparedMatrix recurrentWeights, Tensor h0, Tensor y)
    {
        if (!TimeLoopFits(recurrentWeights))
        {
            RnnLoop.Forward(this, f, slope, pre, recurrentWeights, h0, y);
            return;
        }
        const string op = "RnnSequenceForward";
        int steps = pre.Shape[0], n = h0.Columns, rows = h0.Rows, step = rows * n;
        CheckWeights(op, recurrentWeights, n, n);
        ShapeOf.RequireLength(op, "pre", pre, steps * step);
        ShapeOf.RequireLength(op, "y", y, steps * step);
        using var product = new SmallProduct(recurrentWeights);
        var P = pre.Array(out int pOff); var H0 = h0.Array(out int h0Off); var Y = y.Array(out int yOff);
        fixed (float* pp = P, h0p = H0, yp = Y)
            for (int t = 0; t < steps; t++)
            {
                float* hPrev = t == 0 ? h0p + h0Off : yp + yOff + (t - 1) * step;
                float* p = pp + pOff + t * step;
                product.Multiply(hPrev, n, rows, p, n, accumulate: true);
                ActivationForward(f, slope, new ReadOnlySpan<float>(p, step), new Span<float>(yp + yOff + t * step, step));
            }
    }

    public void RnnSequenceBackward(Activation f, float slope, Tensor y, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dPre, double[]? norms)
    {
        if (!TimeLoopFits(recurrentWeights))
        {
            RnnLoop.Backward(this, f, slope, y, recurrentWeights, dY, dH, dPre, norms);
            return;
        }
        const string op = "RnnSequenceBackward";
        int steps = y.Shape[0], n = dH.Columns, rows = dH.Rows, step = rows * n;
        CheckWeights(op, recurrentWeights, n, n);
        ShapeOf.RequireLength(op, "dPre", dPre, steps * step);
        if (dY is not null) ShapeOf.RequireLength(op, "dY", dY, steps * step);
        CheckNorms(op, norms, steps);
        using var product = new SmallProduct(recurrentWeights);
        var Y = y.Array(out int yOff); var DH = dH.Array(out int dhOff); var DP = dPre.Array(out int dpOff);
        int dyOff = 0;
        float[]? DY = dY?.Array(out dyOff);
        fixed (float* yp = Y, dhp = DH, dpp = DP, dyp = DY)
        {
            var dh = new Span<float>(dhp + dhOff, step);
            for (int t = steps - 1; t >= 0; t--)
            {
                if (dyp is not null) System.Numerics.Tensors.TensorPrimitives.Add(dh, new ReadOnlySpan<float>(dyp + dyOff + t * step, step), dh);
                if (norms is not null) norms[t] = Math.Sqrt(DoubleSums.Dot(dh, dh));
                float* dp = dpp + dpOff + t * step;
                ActivationBackward(f, slope, new ReadOnlySpan<float>(yp + yOff + t * step, step), dh, new Span<float>(dp, step), accumulate: false);
                product.Multiply(dp, n, rows, dhp + dhOff, n, accumulate: false);
            }
        }
    }

    public void GruSequenceForward(Tensor gates, Tensor recurrent, Tensor biasHh, PreparedMatrix recurrentWeights, Tensor h0, Tensor y)
    {
        if (!TimeLoopFits(recurrentWeights))
        {
            GruLoop.Forward(this, gates, recurrent, biasHh, recurrentWeights, h0, y);
            return;
        }
        const string op = "GruSequenceForward";
        int steps = gates.Shape[0], n = h0.Columns, rows = h0.Rows, step = rows * n, gateStep = 3 * step;
        CheckWeights(op, recurrentWeights, n, 3 * n);
        ShapeOf.RequireLength(op, "gates", gates, steps * gateStep);
        ShapeOf.RequireLength(op, "recurrent", recurrent, steps * gateStep);
        ShapeOf.RequireLength(op, "biasHh", biasHh, 3 * n);
        ShapeOf.RequireLength(op, "y", y, steps * step);
        using var product = new SmallProduct(recurrentWeights);
        var G = gates.Array(out int gOff); var R = recurrent.Array(out int rOff); var H0 = h0.Array(out int h0Off); var Y = y.Array(out int yOff);
        var bias = biasHh.Span();
        fixed (float* gp = G, rp = R, h0p = H0, yp = Y)
            for (int t = 0; t < steps; t++)
            {
                float* hPrev = t == 0 ? h0p + h0Off : yp + yOff + (t - 1) * step;
                float* gh = rp + rOff + t * gateStep;
                for (int b = 0; b < rows; b++) bias.CopyTo(new Span<float>(gh + b * 3 * n, 3 * n));
                product.Multiply(hPrev, n, rows, gh, 3 * n, accumulate: true);
                GruForwardRows(new ReadOnlySpan<float>(hPrev, step), new Span<float>(gp + gOff + t * gateStep, gateStep),
                    new ReadOnlySpan<float>(gh, gateStep), new Span<float>(yp + yOff + t * step, step), n);
            }
    }

    public void GruSequenceBackward(Tensor gates, Tensor recurrent, Tensor h0, Tensor y, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dGx, Tensor dGh, double[]? norms)
    {
        if (!TimeLoopFits(recurrentWeights))
        {
            GruLoop.Backward(this, gates, recurrent, h0, y, recurrentWeights, dY, dH, dGx, dGh, norms);
            return;
        }
        const string op = "GruSequenceBackward";
        int steps = gates.Shape[0], n = dH.Columns, rows = dH.Rows, step = rows * n, gateStep = 3 * step;
        CheckWeights(op, recurrentWeights, 3 * n, n);
        ShapeOf.RequireLength(op, "gates", gates, steps * gateStep);
        ShapeOf.RequireLength(op, "recurrent", recurrent, steps * gateStep);
        ShapeOf.RequireLength(op, "dGx", dGx, steps * gateStep);
        ShapeOf.RequireLength(op, "dGh", dGh, steps * gateStep);
        ShapeOf.RequireLength(op, "h0", h0, step);
        ShapeOf.RequireLength(op, "y", y, steps * step);
        if (dY is not null) ShapeOf.RequireLength(op, "dY", dY, steps * step);
        CheckNorms(op, norms, steps);
        using var product = new SmallProduct(recurrentWeights);
        var G = gates.Array(out int gOff); var R = recurrent.Array(out int rOff); var H0 = h0.Array(out int h0Off); var Y = y.Array(out int yOff);
        var DH = dH.Array(out int dhOff); var DGX = dGx.Array(out int dgxOff); var DGH = dGh.Array(out int dghOff);
        int dyOff = 0;
        float[]? DY = dY?.Array(out dyOff);
        // dL/dh of the step before, built from the gate kernel's direct part and the product; copied to dH.
        var previous = Scratch.Get(step, 2); // slots 0 and 1 are the gate kernel's
        fixed (float* gp = G, rp = R, h0p = H0, yp = Y, dhp = DH, dgxp = DGX, dghp = DGH, dyp = DY, prev = previous)
        {
            var dh = new Span<float>(dhp + dhOff, step);
            var before = new Span<float>(prev, step);
            for (int t = steps - 1; t >= 0; t--)
            {
                if (dyp is not null) System.Numerics.Tensors.TensorPrimitives.Add(dh, new ReadOnlySpan<float>(dyp + dyOff + t * step, step), dh);
                if (norms is not null) norms[t] = Math.Sqrt(DoubleSums.Dot(dh, dh));
                float* hPrev = t == 0 ? h0p + h0Off : yp + yOff + (t - 1) * step;
                float* dgh = dghp + dghOff + t * gateStep;
                GruBackwardRows(new ReadOnlySpan<float>(hPrev, step), new ReadOnlySpan<float>(gp + gOff + t * gateStep, gateStep),
                    new ReadOnlySpan<float>(rp + rOff + t * gateStep, gateStep), dh,
                    new Span<float>(dgxp + dgxOff + t * gateStep, gateStep), new Span<float>(dgh, gateStep), before, n);
                product.Multiply(dgh, 3 * n, rows, prev, n, accumulate: true);
                before.CopyTo(dh);
            }
        }
    }

    private static void CheckWeights(string op, PreparedMatrix weights, int k, int columns)
    {
        if (weights.K != k || weights.N != columns)
            throw new ArgumentException($"{op}: W_hh prepared as [{weights.K}, {weights.N}], expected [{k}, {columns}]");
    }

    private static void CheckNorms(string op, double[]? norms, int steps)
    {
        if (norms is not null && norms.Length < steps) throw new ArgumentException($"{op}: {norms.Length} norm slots for {steps} steps");
    }
}
