// SIMD GRU gate kernels: the step equations row by row (a row of a gate is H contiguous floats), as a
// short chain of TensorPrimitives calls on L1-resident rows. The LSTM's are in SimdBackend.Lstm.cs.
using System.Numerics.Tensors;

namespace Engine.Kernels;

public partial class SimdBackend
{
    /// <summary>result = upstream * other * s (1 - s) for a sigmoid output s.</summary>
    private static void SigmoidGradient(ReadOnlySpan<float> s, ReadOnlySpan<float> upstream, ReadOnlySpan<float> other, Span<float> result, Span<float> temp)
    {
        TensorPrimitives.Subtract(1f, s, temp);
        TensorPrimitives.Multiply(temp, s, temp);
        TensorPrimitives.Multiply(temp, other, temp);
        TensorPrimitives.Multiply(temp, upstream, result);
    }

    public void GruGatesForward(Tensor hPrev, Tensor gx, Tensor gh, Tensor h)
    {
        int n = RecurrentChecks.Hidden("GruGatesForward", gx, 3, hPrev, h);
        ShapeOf.RequireLength("GruGatesForward", "gh", gh, gx.Length);
        var X = gx.Span(); var Hg = gh.Span(); var Hp = hPrev.Span(); var Hs = h.Span();
        for (int b = 0; b < gx.Rows; b++)
        {
            var x = X.Slice(b * 3 * n, 3 * n); var hg = Hg.Slice(b * 3 * n, 3 * n);
            var rz = x[..(2 * n)]; var r = x[..n]; var z = x.Slice(n, n); var nn = x.Slice(2 * n, n);
            TensorPrimitives.Add(rz, hg[..(2 * n)], rz);
            TensorPrimitives.Sigmoid(rz, rz);                                     // r, z
            TensorPrimitives.FusedMultiplyAdd(r, hg.Slice(2 * n, n), nn, nn);     // gx_n + r gh_n
            AccurateTanh.Apply(nn, nn);
            var hRow = Hs.Slice(b * n, n);
            TensorPrimitives.Subtract(Hp.Slice(b * n, n), nn, hRow);              // h = n + z (hPrev - n)
            TensorPrimitives.FusedMultiplyAdd(z, hRow, nn, hRow);
        }
    }

    public void GruGatesBackward(Tensor hPrev, Tensor gates, Tensor gh, Tensor dH, Tensor dGx, Tensor dGh, Tensor dHPrev)
    {
        int n = RecurrentChecks.Hidden("GruGatesBackward", gates, 3, hPrev, dH, dHPrev);
        ShapeOf.RequireLength("GruGatesBackward", "gh", gh, gates.Length);
        ShapeOf.RequireLength("GruGatesBackward", "dGx", dGx, gates.Length);
        ShapeOf.RequireLength("GruGatesBackward", "dGh", dGh, gates.Length);
        var G = gates.Span(); var Hg = gh.Span(); var Hp = hPrev.Span(); var DH = dH.Span();
        var DX = dGx.Span(); var DHg = dGh.Span(); var DHp = dHPrev.Span();
        var t1 = Scratch.Get(n, 0);
        var t2 = Scratch.Get(n, 1);
        for (int b = 0; b < gates.Rows; b++)
        {
            var row = G.Slice(b * 3 * n, 3 * n);
            var r = row[..n]; var z = row.Slice(n, n); var nn = row.Slice(2 * n, n);
            var dx = DX.Slice(b * 3 * n, 3 * n); var dhg = DHg.Slice(b * 3 * n, 3 * n);
            var dh = DH.Slice(b * n, n); var hp = Hp.Slice(b * n, n);
            // dn_pre = dh (1 - z) (1 - n^2)
            TensorPrimitives.Multiply(nn, nn, t1);
            TensorPrimitives.Subtract(1f, t1, t1);
            TensorPrimitives.Multiply(t1, dh, t1);
            var dn = dx.Slice(2 * n, n);
            TensorPrimitives.Subtract(1f, z, dn);
            TensorPrimitives.Multiply(dn, t1, dn);
            // dz_pre = dh (hPrev - n) z (1 - z)
            TensorPrimitives.Subtract(hp, nn, t2);
            SigmoidGradient(z, dh, t2, dx.Slice(n, n), t1);
            // dr_pre = dn_pre gh_n r (1 - r)
            SigmoidGradient(r, dn, Hg.Slice(b * 3 * n + 2 * n, n), dx[..n], t1);
            dx[..(2 * n)].CopyTo(dhg[..(2 * n)]);
            TensorPrimitives.Multiply(dn, r, dhg.Slice(2 * n, n));                 // dgh_n = dn_pre r
            TensorPrimitives.Multiply(dh, z, DHp.Slice(b * n, n));                  // direct part z dh
        }
    }
}
