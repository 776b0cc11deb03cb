using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Onnx;

/// <summary>What follows the network's last dense layer in an ONNX graph.</summary>
internal enum MlpOnnxHead
{
    /// <summary>Softmax over the classes (axis 1): multiclass probabilities.</summary>
    Softmax,

    /// <summary>The last layer's outputs as they are (logits, regression values).</summary>
    Identity,
}

/// <summary>
/// The ONNX nodes of an <see cref="MlpNetwork"/> in inference mode: per layer <c>Gemm(x, W, b, transB = 1)</c>,
/// then in hidden layers batch normalization and <c>Relu</c>, or <c>Relu</c> and then batch normalization when the
/// layer places it after the activation. Folded (the default), batch normalization is merged into a Gemm exactly as
/// <see cref="MlpInference"/> merges it (<see cref="MlpFolding"/>: before the activation into the layer's own Gemm,
/// W' = diag(scale) W, b' = (b - mean) * scale + beta; after the activation into the next layer's Gemm,
/// W' = W diag(scale), b' = b + W (beta - mean * scale); scale = gamma / sqrt(var + eps) rounded once from double), so
/// the graph computes what our scorer computes up to the order of the sums. Unfolded, a <c>BatchNormalization</c>
/// node (opset 15, inference mode) holds gamma, beta and the running statistics as trained, in the layer's order.
/// </summary>
internal static class MlpOnnxGraph
{
    /// <summary>Adds the network's nodes reading <paramref name="input"/> ([N, InputSize] float) and writing the head's
    /// result to <paramref name="output"/> ([N, OutputSize] float). Intermediate values are named after
    /// <paramref name="prefix"/>.</summary>
    public static void AddNetwork(OnnxModelBuilder builder, MlpNetwork network, string input, string output,
        bool foldBatchNormalization, MlpOnnxHead head, string prefix)
    {
        string x = input;
        IReadOnlyList<MlpLayer> layers = network.Layers;
        for (int l = 0; l < layers.Count; l++)
        {
            MlpLayer layer = layers[l];
            string name = $"{prefix}layer{l}";
            int o = layer.OutputSize, i = layer.InputSize;
            bool after = layer.HasBatchNormAfterActivation;
            if (foldBatchNormalization)
            {
                var weights = new float[layer.Weights.Length];
                var bias = new float[o];
                MlpFolding.FoldLayer(layers, l, weights, bias, new float[Math.Max(o, i)], new double[i]);
                x = Gemm(builder, name, x, weights, bias, o, i);
                if (layer.HasRelu)
                    x = builder.AddNode("Relu", [x], [$"{name}.relu"]);
            }
            else
            {
                x = Gemm(builder, name, x, layer.Weights, layer.Bias, o, i);
                if (layer.HasBatchNorm && !after)
                    x = BatchNormalization(builder, name, x, layer);
                if (layer.HasRelu)
                    x = builder.AddNode("Relu", [x], [$"{name}.relu"]);
                if (after)
                    x = BatchNormalization(builder, name, x, layer);
            }
        }
        if (head == MlpOnnxHead.Softmax)
            builder.AddNode("Softmax", [x], [output], OnnxModelBuilder.Attribute.Of("axis", 1L));
        else
            builder.AddNode("Identity", [x], [output]);
    }

    private static string BatchNormalization(OnnxModelBuilder builder, string name, string x, MlpLayer layer)
    {
        int o = layer.OutputSize;
        return builder.AddNode("BatchNormalization",
            [x, builder.AddInitializer($"{name}.gamma", layer.Gamma, o), builder.AddInitializer($"{name}.beta", layer.Beta, o),
                builder.AddInitializer($"{name}.running_mean", layer.RunningMean, o),
                builder.AddInitializer($"{name}.running_var", layer.RunningVariance, o)],
            [$"{name}.bn"], OnnxModelBuilder.Attribute.Of("epsilon", layer.BatchNormEpsilon));
    }

    private static string Gemm(OnnxModelBuilder builder, string name, string x, ReadOnlySpan<float> weights, float[]? bias, int o, int i)
    {
        string w = builder.AddInitializer($"{name}.weight", weights, o, i);
        string[] inputs = bias is null ? [x, w] : [x, w, builder.AddInitializer($"{name}.bias", bias, o)];
        return builder.AddNode("Gemm", inputs, [$"{name}.gemm"], OnnxModelBuilder.Attribute.Of("transB", 1L));
    }
}
