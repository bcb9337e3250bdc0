// Layer normalisation on ILGPU, run on the host: the tensors are copied down, LayerNormRows does the
// arithmetic, and the results go back up. It is correct and slow (a transfer per call); a device
// kernel is the way to make it fast.
namespace Engine.Kernels.Gpu;

public sealed partial class GpuBackend
{
    public void LayerNormForward(Tensor x, Tensor weight, Tensor bias, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        LayerNormRows.Hidden("LayerNormForward", x, weight, mean, rstd, y);
        ShapeOf.RequireLength("LayerNormForward", "bias", bias, weight.Length);
        float[] hy = new float[y.Length], hm = new float[mean.Length], hr = new float[rstd.Length];
        LayerNormRows.Forward(this.Download(x), this.Download(weight), this.Download(bias), eps, hy, hm, hr);
        Upload(hy, y);
        Upload(hm, mean);
        Upload(hr, rstd);
    }

    public void LayerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dY, Tensor dX, Tensor dWeight, Tensor dBias)
    {
        LayerNormRows.Hidden("LayerNormBackward", x, weight, mean, rstd, dY, dX);
        ShapeOf.RequireLength("LayerNormBackward", "dWeight", dWeight, weight.Length);
        ShapeOf.RequireLength("LayerNormBackward", "dBias", dBias, weight.Length);
        float[] dx = this.Download(dX), dw = this.Download(dWeight), db = this.Download(dBias);
        LayerNormRows.Backward(this.Download(x), this.Download(weight), this.Download(mean), this.Download(rstd), this.Download(dY), dx, dw, db);
        Upload(dx, dX);
        Upload(dw, dWeight);
        Upload(db, dBias);
    }
}
