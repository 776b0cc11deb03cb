using System.Numerics.Tensors;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Batch normalization folded into dense weights for inference (Ioffe and Szegedy 2015, Algorithm 2: at inference
/// the normalization is a fixed affine map y = x * scale + (beta - mean * scale), scale = gamma / sqrt(var + eps)),
/// shared by <see cref="MlpInference"/> and the ONNX export so both compute the same folded parameters.
/// </summary>
/// <remarks>
/// <para>Before the activation (dense -> BN -> ReLU) the map follows the layer's own dense output: its rows are
/// scaled, W' = diag(scale) W and b' = (b - mean) * scale + beta.</para>
/// <para>After the activation (dense + b -> ReLU -> BN) the ReLU sits between the dense output and the map, so it
/// cannot enter the layer's own weights; it enters the next layer's instead, whose input it is: that layer's columns
/// are scaled and its bias takes the shift, W'_next = W_next diag(scale) and
/// b'_next = b_next + W_next (beta - mean * scale). The layer itself keeps its dense weights, bias and ReLU. Both
/// folds are exact in real arithmetic; in float they differ from the unfolded layer by rounding only (the shift's
/// dot product is summed in double and rounded once).</para>
/// </remarks>
internal static class MlpFolding
{
    /// <summary>
    /// Writes layer <paramref name="index"/>'s folded weights (OutputSize x InputSize, row-major) and bias: its own
    /// dense parameters, with the previous layer's batch normalization folded in when it sits after that layer's
    /// activation, and with its own folded in when it sits before its activation. Allocates nothing.
    /// </summary>
    /// <param name="layers">The network's layers.</param>
    /// <param name="index">The layer folded.</param>
    /// <param name="weights">Receives the folded weights; the layer's Weights length.</param>
    /// <param name="bias">Receives the folded bias; length OutputSize.</param>
    /// <param name="scale">Scratch, at least max(InputSize, OutputSize) long.</param>
    /// <param name="shift">Scratch, at least InputSize long.</param>
    public static void FoldLayer(IReadOnlyList<MlpLayer> layers, int index, Span<float> weights, Span<float> bias,
        Span<float> scale, Span<double> shift)
    {
        MlpLayer layer = layers[index];
        int outSize = layer.OutputSize, inSize = layer.InputSize;
        layer.Weights.AsSpan().CopyTo(weights);
        if (layer.Bias is null) bias[..outSize].Clear();
        else layer.Bias.AsSpan().CopyTo(bias);

        if (index > 0 && layers[index - 1] is { HasBatchNormAfterActivation: true } previous)
        {
            // The input is a = r * s + (beta - mean * s) with r = ReLU(previous dense): W a + b = (W diag(s)) r + (b + W c).
            Span<float> s = scale[..inSize];
            Span<double> c = shift[..inSize];
            BatchNormKernels.ComputeScale(previous.RunningVariance, previous.Gamma, previous.BatchNormEpsilon, s);
            for (int j = 0; j < inSize; j++) c[j] = previous.Beta![j] - (double)previous.RunningMean![j] * s[j];
            for (int o = 0; o < outSize; o++)
            {
                ReadOnlySpan<float> source = layer.Weights.AsSpan(o * inSize, inSize);
                double sum = bias[o];
                for (int j = 0; j < inSize; j++) sum += source[j] * c[j];
                bias[o] = (float)sum;
                TensorPrimitives.Multiply(source, s, weights.Slice(o * inSize, inSize));
            }
        }

        if (layer.HasBatchNorm && !layer.HasBatchNormAfterActivation)
        {
            Span<float> s = scale[..outSize];
            BatchNormKernels.ComputeScale(layer.RunningVariance, layer.Gamma, layer.BatchNormEpsilon, s);
            for (int o = 0; o < outSize; o++)
            {
                Span<float> row = weights.Slice(o * inSize, inSize);
                TensorPrimitives.Multiply(row, s[o], row);
                bias[o] = (bias[o] - layer.RunningMean![o]) * s[o] + layer.Beta![o];
            }
        }
    }
}
