// Layer normalisation (PyTorch's nn.LayerNorm over the last dimension): the forward keeps each row's
// mean and reciprocal standard deviation for the backward, which uses them instead of recomputing.
namespace Engine;

public partial interface IBackend
{
    /// <summary>
    /// y[n, :] = (x[n, :] - mean_n) * rstd_n * weight + bias, with mean_n and the biased variance var_n
    /// of row n and rstd_n = 1 / sqrt(var_n + eps). x, y: [N, H]; weight, bias: [H]; mean, rstd: [N]
    /// (written). Row statistics are summed in double in index order.
    /// </summary>
    void LayerNormForward(Tensor x, Tensor weight, Tensor bias, float eps, Tensor y, Tensor mean, Tensor rstd);

    /// <summary>
    /// The backward of LayerNormForward, with xhat = (x - mean) * rstd and g = dY * weight:
    /// dX[n, :] += rstd_n * (g - mean(g) - xhat * mean(g * xhat)); dWeight += sum over n of dY * xhat;
    /// dBias += sum over n of dY (both summed in row order). Accumulates.
    /// </summary>
    void LayerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dY, Tensor dX, Tensor dWeight, Tensor dBias);
}
