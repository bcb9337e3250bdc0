// Element-wise kernels: arithmetic, activations and column copies (gate slicing / concatenation).
namespace Engine;

public enum Activation { Identity, Sigmoid, Tanh, Relu, LeakyRelu }

public partial interface IBackend
{
    /// <summary>y = a + b (same lengths). y may alias a or b.</summary>
    void Add(Tensor a, Tensor b, Tensor y);

    /// <summary>y = a - b.</summary>
    void Sub(Tensor a, Tensor b, Tensor y);

    /// <summary>y = a * b (element-wise).</summary>
    void Mul(Tensor a, Tensor b, Tensor y);

    /// <summary>y += a * b (element-wise); accumulates.</summary>
    void MulAccumulate(Tensor a, Tensor b, Tensor y);

    /// <summary>y += alpha * x; accumulates.</summary>
    void Axpy(float alpha, Tensor x, Tensor y);

    /// <summary>y = f(x). slope is the negative-side slope of LeakyRelu (ignored otherwise).</summary>
    void ActivationForward(Activation f, float slope, Tensor x, Tensor y);

    /// <summary>
    /// dX += dY * f'(x), computed from the forward OUTPUT y (every supported f' is a function of y:
    /// sigmoid y(1-y), tanh 1-y^2, relu [y>0], leaky relu [y>0] or slope).
    /// </summary>
    void ActivationBackward(Activation f, float slope, Tensor y, Tensor dY, Tensor dX);

    /// <summary>
    /// Copies count columns of src [R, Cs] starting at srcColumn into dst [R, Cd] starting at dstColumn.
    /// With accumulate, dst += instead of =. Slicing gates, concatenation and their backwards are this.
    /// </summary>
    void CopyColumns(Tensor src, int srcColumn, Tensor dst, int dstColumn, int count, bool accumulate);
}
