// SIMD RNN and GRU time loops: from batch 2 up, split by batch rows over the cores (SimdBackend.RowSplit);
// otherwise the per-step loops (RnnLoop, GruLoop) over this backend's own kernels (the packed GEMM and
// the vectorised activation and gate kernels).
namespace Engine.Kernels;

public partial class SimdBackend
{
    public void RnnSequenceForward(Activation f, float slope, Tensor pre, PreparedMatrix recurrentWeights, Tensor h0, Tensor y)
    {
        if (RowSplit(h0.Rows, recurrentWeights)) RnnRowSplitForward(f, slope, pre, recurrentWeights, h0, y, RowParts(h0.Rows));
        else RnnLoop.Forward(this, f, slope, pre, recurrentWeights, h0, y);
    }

    public void RnnSequenceBackward(Activation f, float slope, Tensor y, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dPre, double[]? norms)
    {
        if (RowSplit(dH.Rows, recurrentWeights)) RnnRowSplitBackward(f, slope, y, recurrentWeights, dY, dH, dPre, norms, RowParts(dH.Rows));
        else RnnLoop.Backward(this, f, slope, y, recurrentWeights, dY, dH, dPre, norms);
    }

    public void GruSequenceForward(Tensor gates, Tensor recurrent, Tensor biasHh, PreparedMatrix recurrentWeights, Tensor h0, Tensor y)
    {
        if (RowSplit(h0.Rows, recurrentWeights)) GruRowSplitForward(gates, recurrent, biasHh, recurrentWeights, h0, y, RowParts(h0.Rows));
        else GruLoop.Forward(this, gates, recurrent, biasHh, recurrentWeights, h0, y);
    }

    public void GruSequenceBackward(Tensor gates, Tensor recurrent, Tensor h0, Tensor y, PreparedMatrix recurrentWeights, Tensor? dY, Tensor dH, Tensor dGx, Tensor dGh, double[]? norms)
    {
        if (RowSplit(dH.Rows, recurrentWeights)) GruRowSplitBackward(gates, recurrent, h0, y, recurrentWeights, dY, dH, dGx, dGh, norms, RowParts(dH.Rows));
        else GruLoop.Backward(this, gates, recurrent, h0, y, recurrentWeights, dY, dH, dGx, dGh, norms);
    }
}
