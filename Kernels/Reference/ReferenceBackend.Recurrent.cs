// Reference gate kernels: the LSTM and GRU step equations written out element by element.
namespace Engine.Kernels;

public partial class ReferenceBackend
{
    public virtual void LstmGatesForward(Tensor cPrev, Tensor gates, Tensor c, Tensor h)
    {
        int hidden = RecurrentChecks.Hidden("LstmGatesForward", gates, 4, cPrev, c, h);
        var G = gates.Span(); var Cp = cPrev.Span(); var C = c.Span(); var Hh = h.Span();
        for (int b = 0; b < Cp.Length / Math.Max(hidden, 1); b++)
            for (int j = 0; j < hidden; j++)
            {
                int row = b * 4 * hidden, k = b * hidden + j;
                float i = Scalar.Sigmoid(G[row + j]);
                float f = Scalar.Sigmoid(G[row + hidden + j]);
                float g = MathF.Tanh(G[row + 2 * hidden + j]);
                float o = Scalar.Sigmoid(G[row + 3 * hidden + j]);
                G[row + j] = i; G[row + hidden + j] = f; G[row + 2 * hidden + j] = g; G[row + 3 * hidden + j] = o;
                C[k] = f * Cp[k] + i * g;
                Hh[k] = o * MathF.Tanh(C[k]);
            }
    }

    public virtual void LstmGatesBackward(Tensor gates, Tensor cPrev, Tensor c, Tensor dH, Tensor dC, Tensor dGates)
    {
        int hidden = RecurrentChecks.Hidden("LstmGatesBackward", gates, 4, cPrev, c, dH, dC);
        ShapeOf.RequireLength("LstmGatesBackward", "dGates", dGates, gates.Length);
        var G = gates.Span(); var Cp = cPrev.Span(); var C = c.Span(); var DH = dH.Span(); var DC = dC.Span(); var DG = dGates.Span();
        for (int b = 0; b < Cp.Length / Math.Max(hidden, 1); b++)
            for (int j = 0; j < hidden; j++)
            {
                int row = b * 4 * hidden, k = b * hidden + j;
                float i = G[row + j], f = G[row + hidden + j], g = G[row + 2 * hidden + j], o = G[row + 3 * hidden + j];
                float tc = MathF.Tanh(C[k]);
                // h = o tanh(c): dO = dh tanh(c); dc += dh o (1 - tanh^2 c).
                float dc = DC[k] + DH[k] * o * (1f - tc * tc);
                DG[row + j] = dc * g * i * (1f - i);                  // c = f cPrev + i g
                DG[row + hidden + j] = dc * Cp[k] * f * (1f - f);
                DG[row + 2 * hidden + j] = dc * i * (1f - g * g);
                DG[row + 3 * hidden + j] = DH[k] * tc * o * (1f - o);
                DC[k] = dc * f;                                        // dL/dc_{t-1}
            }
    }

    public virtual void GruGatesForward(Tensor hPrev, Tensor gx, Tensor gh, Tensor h)
    {
        int hidden = RecurrentChecks.Hidden("GruGatesForward", gx, 3, hPrev, h);
        ShapeOf.RequireLength("GruGatesForward", "gh", gh, gx.Length);
        var Hp = hPrev.Span(); var X = gx.Span(); var Hg = gh.Span(); var Hh = h.Span();
        for (int b = 0; b < Hp.Length / Math.Max(hidden, 1); b++)
            for (int j = 0; j < hidden; j++)
            {
                int row = b * 3 * hidden, k = b * hidden + j;
                float r = Scalar.Sigmoid(X[row + j] + Hg[row + j]);
                float z = Scalar.Sigmoid(X[row + hidden + j] + Hg[row + hidden + j]);
                float n = MathF.Tanh(X[row + 2 * hidden + j] + r * Hg[row + 2 * hidden + j]);
                X[row + j] = r; X[row + hidden + j] = z; X[row + 2 * hidden + j] = n;
                Hh[k] = (1f - z) * n + z * Hp[k];
            }
    }

    public virtual void GruGatesBackward(Tensor hPrev, Tensor gates, Tensor gh, Tensor dH, Tensor dGx, Tensor dGh, Tensor dHPrev)
    {
        int hidden = RecurrentChecks.Hidden("GruGatesBackward", gates, 3, hPrev, dH, dHPrev);
        ShapeOf.RequireLength("GruGatesBackward", "gh", gh, gates.Length);
        ShapeOf.RequireLength("GruGatesBackward", "dGx", dGx, gates.Length);
        ShapeOf.RequireLength("GruGatesBackward", "dGh", dGh, gates.Length);
        var Hp = hPrev.Span(); var G = gates.Span(); var Hg = gh.Span(); var DH = dH.Span();
        var DX = dGx.Span(); var DHg = dGh.Span(); var DHp = dHPrev.Span();
        for (int b = 0; b < Hp.Length / Math.Max(hidden, 1); b++)
            for (int j = 0; j < hidden; j++)
            {
                int row = b * 3 * hidden, k = b * hidden + j;
                float r = G[row + j], z = G[row + hidden + j], n = G[row + 2 * hidden + j];
                float dh = DH[k];
                // h = (1 - z) n + z hPrev
                float dn = dh * (1f - z);
                float dzPre = dh * (Hp[k] - n) * z * (1f - z);
                // n = tanh(gx_n + r gh_n)
                float dnPre = dn * (1f - n * n);
                float drPre = dnPre * Hg[row + 2 * hidden + j] * r * (1f - r);
                DX[row + j] = drPre; DX[row + hidden + j] = dzPre; DX[row + 2 * hidden + j] = dnPre;
                DHg[row + j] = drPre; DHg[row + hidden + j] = dzPre; DHg[row + 2 * hidden + j] = dnPre * r;
                DHp[k] = dh * z;
            }
    }

    public virtual void LstmSequenceForward(Tensor gates, Tensor bias, PreparedMatrix recurrentWeights, Tensor h0, Tensor c0, Tensor cells, Tensor y)
        => LstmLoop.Forward(this, gates, bias, recurrentWeights, h0, c0, cells, y);

    public virtual void LstmSequenceBackward(Tensor gates, Tensor c0, Tensor cells, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dC, Tensor dGates, double[]? norms)
        => LstmLoop.Backward(this, gates, c0, cells, recurrentWeights, dY, dH, dC, dGates, norms);
}

/// <summary>Shape checks shared by the gate kernels of every backend.</summary>
public static class RecurrentChecks
{
    /// <summary>Returns H for gates [B, gateCount * H], checking that every state tensor is [B, H].</summary>
    public static int Hidden(string op, Tensor gates, int gateCount, params Tensor[] states)
    {
        int hidden = gates.Columns / gateCount;
        if (gates.Columns != gateCount * hidden)
            throw new ArgumentException($"{op}: gates {ShapeOf.Format(gates.Shape)} do not hold {gateCount} gates per row");
        foreach (var s in states)
            if (s.Length != gates.Rows * hidden)
                throw new ArgumentException($"{op}: state {ShapeOf.Format(s.Shape)} does not match gates {ShapeOf.Format(gates.Shape)}");
        return hidden;
    }
}
