using Microsoft.ML.BatchNorm.Persistence;

namespace Microsoft.ML.BatchNorm.Onnx;

/// <summary>
/// The ONNX model a network is saved as inside an ML.NET model (plain <c>Model.Save</c> through the companion
/// package's OnnxTransformer), and how our load call finds it again. ML.NET's OnnxTransformer feeds one row at a time,
/// as a tensor of the input's declared shape, and types an output of shape <c>[K]</c> as <c>Vector&lt;Single, K&gt;</c>;
/// so the input is declared <c>[1, InputSize]</c> and the folded network's result is reshaped to <c>[OutputSize]</c>.
/// The model's metadata holds our own header and parameters (exact, with the running statistics and the training
/// history), under <see cref="HeaderKey"/> and <see cref="ParametersKey"/>.
/// </summary>
internal static class EmbeddedNetworkGraph
{
    public const string MarkerKey = "BatchNormExtensions.Network.Format";
    public const string MarkerValue = "Microsoft.ML.BatchNorm.Network/1";

    /// <summary>
    /// The marker of a network whose header places batch normalization after a ReLU (the layers'
    /// BatchNormalizationPlacement): a reader of <see cref="MarkerValue"/> only refuses it, naming the newer format,
    /// instead of reading it as dense -> BN -> ReLU. Other networks keep <see cref="MarkerValue"/>.
    /// </summary>
    public const string PlacementMarkerValue = "Microsoft.ML.BatchNorm.Network/2";
    public const string TaskKey = "BatchNormExtensions.Network.Task";
    public const string HeaderKey = "BatchNormExtensions.Network.Header";
    public const string ParametersKey = "BatchNormExtensions.Network.Parameters";

    /// <summary>The ONNX model's bytes; <paramref name="outputName"/> receives its one output's name (the Score column's, or with ".output").</summary>
    public static byte[] Build(PlainSaveRequest request, out string outputName)
    {
        var builder = new OnnxModelBuilder();
        var network = request.Network;
        string input = request.FeatureColumnName;
        outputName = OnnxGraphs.OutputName("Score", [input]);
        builder.AddInput(input, OnnxModelBuilder.Float, 1, network.InputSize);
        var head = request.Task switch
        {
            NetworkTask.MulticlassClassification => MlpOnnxHead.Softmax,
            _ => throw new NotSupportedException($"No ONNX form for the task {request.Task}."),
        };
        MlpOnnxGraph.AddNetwork(builder, network, input, "network.output", foldBatchNormalization: true, head, "");
        string shape = builder.AddInitializer("network.output.shape", [(long)network.ClassCount], 1);
        builder.AddNode("Reshape", ["network.output", shape], [outputName]);
        builder.AddOutput(outputName, OnnxModelBuilder.Float, network.ClassCount);
        bool needsPlacement = request.Network.Layers.Any(l => l.HasBatchNormAfterActivation);
        builder.AddMetadata(MarkerKey, needsPlacement ? PlacementMarkerValue : MarkerValue);
        builder.AddMetadata(TaskKey, request.Task.ToString());
        builder.AddMetadata(HeaderKey, request.HeaderJson);
        builder.AddMetadata(ParametersKey, Convert.ToBase64String(request.Parameters));
        return builder.Build("MultilayerPerceptron", OnnxGraphs.ProducerName, OnnxGraphs.ProducerVersion,
            "A BatchNormExtensions.ML network saved with plain mlContext.Model.Save (one row per call, as ML.NET's OnnxTransformer runs it).");
    }
}
