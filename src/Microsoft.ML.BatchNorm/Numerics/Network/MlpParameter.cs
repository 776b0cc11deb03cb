namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>A trainable array and its gradient (same length), as the optimizers see it.</summary>
internal sealed class MlpParameter
{
    /// <summary>Pairs a parameter array with its gradient array.</summary>
    /// <param name="value">The parameter, updated in place by the optimizer.</param>
    /// <param name="gradient">Its gradient, written by the backward pass.</param>
    /// <param name="applyWeightDecay">Whether L2 regularization applies (dense weights only).</param>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentException">The arrays differ in length.</exception>
    public MlpParameter(float[] value, float[] gradient, bool applyWeightDecay)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(gradient);
        if (value.Length != gradient.Length)
            throw new ArgumentException($"The gradient has {gradient.Length} elements; the parameter has {value.Length}.", nameof(gradient));
        Value = value;
        Gradient = gradient;
        ApplyWeightDecay = applyWeightDecay;
    }

    /// <summary>The parameter values.</summary>
    public float[] Value { get; }

    /// <summary>The gradient of the loss with respect to <see cref="Value"/>.</summary>
    public float[] Gradient { get; }

    /// <summary>Whether L2 regularization (coupled weight decay) applies.</summary>
    public bool ApplyWeightDecay { get; }
}
