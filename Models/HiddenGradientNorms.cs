// HiddenGradientNorms: ||dL/dh_t|| for every layer and time step, filled in during backward through
// time. It is the picture of exploding and vanishing gradients: the norm of the TOTAL gradient
// reaching h_t (from the output at t and from step t+1), over the whole batch.
namespace Engine.Models;

/// <summary>||dL/dh_t|| per layer and time step, recorded by a backward pass that is given it.</summary>
public sealed class HiddenGradientNorms
{
    /// <summary>[layer][t], L2 norms over batch and hidden units.</summary>
    public double[][] Values { get; }

    /// <summary>Room for layers x steps norms.</summary>
    public HiddenGradientNorms(int layers, int steps)
    {
        Values = new double[layers][];
        for (int l = 0; l < layers; l++) Values[l] = new double[steps];
    }

    /// <summary>Layers recorded.</summary>
    public int Layers => Values.Length;
    /// <summary>Time steps recorded.</summary>
    public int Steps => Values.Length == 0 ? 0 : Values[0].Length;
}
