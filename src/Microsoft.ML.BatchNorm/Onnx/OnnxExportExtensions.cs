using Microsoft.ML.BatchNorm.Onnx;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>Options of the ONNX export (<see cref="OnnxExportExtensions"/>).</summary>
public sealed class OnnxExportOptions
{
    /// <summary>
    /// true (the default): batch normalization is folded into the preceding dense layer (MultilayerPerceptron; with
    /// <see cref="MultilayerPerceptronBatchNormalizationPlacement.AfterActivation"/> into the next dense layer, since
    /// the ReLU sits between the layer's own dense step and the normalization) or into a <c>Sub</c>, <c>Mul</c>,
    /// <c>Add</c> chain with <c>scale = gamma / sqrt(var + epsilon)</c> (BatchNormalize), computing what our scorer
    /// computes. false: a <c>BatchNormalization</c> node (opset 15, inference mode), placed where the layer has it
    /// (before or after the <c>Relu</c>), keeps gamma, beta, mean, variance and epsilon as they are, for tools that
    /// want to see or fine-tune them.
    /// </summary>
    public bool FoldBatchNormalization { get; set; } = true;
}

/// <summary>
/// Exports fitted models of this package as standalone ONNX files (ONNX IR version 8, default-domain opset 15), for
/// ONNX Runtime and other ONNX consumers. The files need nothing of this package or of ML.NET.
/// </summary>
/// <remarks>
/// <para><b>MultilayerPerceptron</b> (<see cref="ExportToOnnx(MultilayerPerceptronPredictionTransformer, Stream, OnnxExportOptions?)"/>):
/// one input named after the model's feature column (<see cref="MultilayerPerceptronPredictionTransformerBase.FeatureColumnName"/>,
/// usually <c>Features</c>), float32 of shape <c>[N, InputSize]</c> with a symbolic batch size <c>N</c>; one output
/// <c>Score</c>, float32 <c>[N, ClassCount]</c>, the softmax class probabilities, class k (0-based) being the label's
/// key value k + 1 (the same order as the <c>Score</c> column). Nodes: per layer <c>Gemm</c> (<c>transB = 1</c>,
/// weights <c>[out, in]</c>), in hidden layers optionally <c>BatchNormalization</c> and then <c>Relu</c> (<c>Relu</c> and
/// then <c>BatchNormalization</c> for layers that place it after the activation; either node only when not folded); finally
/// <c>Softmax</c> (axis 1). When the label has key values, the model's metadata <c>BatchNormExtensions.ClassLabels</c>
/// holds them as a JSON array of strings, in class order.</para>
/// <para><b>Binary MultilayerPerceptron</b>
/// (<see cref="ExportToOnnx(MultilayerPerceptronBinaryPredictionTransformer, Stream, OnnxExportOptions?)"/>): the same
/// input and layers, no Softmax; two outputs, <c>Score</c>, float32 <c>[N, 1]</c>, the logit, and <c>Probability</c>,
/// float32 <c>[N, 1]</c>, its <c>Sigmoid</c>. The predicted label is <c>Score &gt; 0</c> (false for NaN), as in the
/// <c>PredictedLabel</c> column.</para>
/// <para><b>Regression MultilayerPerceptron</b>
/// (<see cref="ExportToOnnx(MultilayerPerceptronRegressionPredictionTransformer, Stream, OnnxExportOptions?)"/>): the
/// same input and layers; one output <c>Score</c>, float32 <c>[N, 1]</c>, in the label's units: the last layer's output
/// <c>Mul</c> <c>LabelStandardDeviation</c>, then <c>Add</c> <c>LabelMean</c>, as the <c>Score</c> column computes it.
/// Either output is named <c>&lt;name&gt;.output</c> when the feature column has its name.</para>
/// <para><b>BatchNormalize</b> (<see cref="ExportToOnnx(BatchNormalizingTransformer, Stream, OnnxExportOptions?)"/>):
/// one input per distinct input column, named after it, float32 <c>[N, SlotCount]</c> (a scalar column is
/// <c>[N, 1]</c>); one output per normalized column, named after its output column, float32 <c>[N, SlotCount]</c>.
/// When an output column has the name of an input column (<c>BatchNormalize("Features")</c> normalizes in place), its
/// output is named <c>&lt;name&gt;.output</c>: ONNX names each value once, and ML.NET's <c>ApplyOnnxModel</c> turns
/// that name back into the column <c>&lt;name&gt;</c>. Nodes per column: <c>Sub</c> of the mean rounded to float (exact
/// near the mean), then <c>Mul</c> and <c>Add</c> of the transform's scale and shift (folded, the shift holding the rest
/// of the double mean), or a <c>BatchNormalization</c> whose mean input is that rest (unfolded).</para>
/// <para>A NaN input gives NaN in its row (BatchNormalize: in its slot), as in ML.NET. Scores agree with this
/// package's own within float rounding (tests: within 1e-6 through ONNX Runtime on batches of 1, 7 and 33 rows).</para>
/// </remarks>
public static class OnnxExportExtensions
{
    /// <summary>Writes <paramref name="model"/> as an ONNX model to <paramref name="stream"/> (see remarks of <see cref="OnnxExportExtensions"/>).</summary>
    /// <param name="model">A fitted multiclass MultilayerPerceptron.</param>
    /// <param name="stream">A writable stream; the model is written at its current position and the stream left open.</param>
    /// <param name="options">Export options; null for the defaults (batch normalization folded).</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public static void ExportToOnnx(this MultilayerPerceptronPredictionTransformer model, Stream stream, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Write(stream, () => OnnxGraphs.MultilayerPerceptronBytes(model, (options ?? new()).FoldBatchNormalization));
    }

    /// <summary>Writes <paramref name="model"/> as an ONNX file (replaced if it exists).</summary>
    /// <param name="model">A fitted multiclass MultilayerPerceptron.</param>
    /// <param name="filePath">The file to write.</param>
    /// <param name="options">Export options; null for the defaults (batch normalization folded).</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="filePath"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void ExportToOnnx(this MultilayerPerceptronPredictionTransformer model, string filePath, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        WriteFile(filePath, () => OnnxGraphs.MultilayerPerceptronBytes(model, (options ?? new()).FoldBatchNormalization));
    }

    /// <summary>Writes <paramref name="model"/> as an ONNX model to <paramref name="stream"/> (see remarks of <see cref="OnnxExportExtensions"/>).</summary>
    /// <param name="model">A fitted binary MultilayerPerceptron.</param>
    /// <param name="stream">A writable stream; the model is written at its current position and the stream left open.</param>
    /// <param name="options">Export options; null for the defaults (batch normalization folded).</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public static void ExportToOnnx(this MultilayerPerceptronBinaryPredictionTransformer model, Stream stream, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Write(stream, () => OnnxGraphs.BinaryBytes(model, (options ?? new()).FoldBatchNormalization));
    }

    /// <summary>Writes <paramref name="model"/> as an ONNX file (replaced if it exists).</summary>
    /// <param name="model">A fitted binary MultilayerPerceptron.</param>
    /// <param name="filePath">The file to write.</param>
    /// <param name="options">Export options; null for the defaults (batch normalization folded).</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="filePath"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void ExportToOnnx(this MultilayerPerceptronBinaryPredictionTransformer model, string filePath, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        WriteFile(filePath, () => OnnxGraphs.BinaryBytes(model, (options ?? new()).FoldBatchNormalization));
    }

    /// <summary>Writes <paramref name="model"/> as an ONNX model to <paramref name="stream"/> (see remarks of <see cref="OnnxExportExtensions"/>).</summary>
    /// <param name="model">A fitted regression MultilayerPerceptron.</param>
    /// <param name="stream">A writable stream; the model is written at its current position and the stream left open.</param>
    /// <param name="options">Export options; null for the defaults (batch normalization folded).</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public static void ExportToOnnx(this MultilayerPerceptronRegressionPredictionTransformer model, Stream stream, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Write(stream, () => OnnxGraphs.RegressionBytes(model, (options ?? new()).FoldBatchNormalization));
    }

    /// <summary>Writes <paramref name="model"/> as an ONNX file (replaced if it exists).</summary>
    /// <param name="model">A fitted regression MultilayerPerceptron.</param>
    /// <param name="filePath">The file to write.</param>
    /// <param name="options">Export options; null for the defaults (batch normalization folded).</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="filePath"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void ExportToOnnx(this MultilayerPerceptronRegressionPredictionTransformer model, string filePath, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        WriteFile(filePath, () => OnnxGraphs.RegressionBytes(model, (options ?? new()).FoldBatchNormalization));
    }

    /// <summary>Writes <paramref name="transformer"/> as an ONNX model to <paramref name="stream"/> (see remarks of <see cref="OnnxExportExtensions"/>).</summary>
    /// <param name="transformer">A fitted BatchNormalize transformer.</param>
    /// <param name="stream">A writable stream; the model is written at its current position and the stream left open.</param>
    /// <param name="options">Export options; null for the defaults (Sub, Mul, Add).</param>
    /// <exception cref="ArgumentNullException"><paramref name="transformer"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public static void ExportToOnnx(this BatchNormalizingTransformer transformer, Stream stream, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        Write(stream, () => OnnxGraphs.BatchNormalizeBytes(transformer, (options ?? new()).FoldBatchNormalization));
    }

    /// <summary>Writes <paramref name="transformer"/> as an ONNX file (replaced if it exists).</summary>
    /// <param name="transformer">A fitted BatchNormalize transformer.</param>
    /// <param name="filePath">The file to write.</param>
    /// <param name="options">Export options; null for the defaults (Sub, Mul, Add).</param>
    /// <exception cref="ArgumentNullException"><paramref name="transformer"/> or <paramref name="filePath"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void ExportToOnnx(this BatchNormalizingTransformer transformer, string filePath, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        WriteFile(filePath, () => OnnxGraphs.BatchNormalizeBytes(transformer, (options ?? new()).FoldBatchNormalization));
    }

    private static void Write(Stream stream, Func<byte[]> build)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        stream.Write(build());
    }

    private static void WriteFile(string filePath, Func<byte[]> build)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        File.WriteAllBytes(filePath, build());
    }
}
