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
    /// <summary>The task (<see cref="NetworkTask"/>'s name). Binary and regression networks keep the format markers
    /// above: readers before them refuse a task other than MulticlassClassification by this key, naming the update.</summary>
    public const string TaskKey = "BatchNormExtensions.Network.Task";
    public const string HeaderKey = "BatchNormExtensions.Network.Header";
    public const string ParametersKey = "BatchNormExtensions.Network.Parameters";

    /// <summary>Binary and regression: the prefix of the ONNX outputs (1-slot vector columns that the companion's
    /// mapping turns into the scalar columns and that are then dropped).</summary>
    public const string OutputPrefix = "BatchNormExtensions.Network.";

    /// <summary>
    /// The ONNX model's bytes; <paramref name="outputNames"/> receives its outputs' names, in this order:
    /// multiclass: <c>Score</c> (or with ".output"), <c>[K]</c>, the softmax probabilities;
    /// binary: <see cref="OutputPrefix"/> + <c>Score</c> (<c>[1]</c>, the logit), + <c>Probability</c> (<c>[1]</c>,
    /// <c>Sigmoid</c> of the logit), + <c>PredictedLabel</c> (<c>[1]</c> bool, <c>Greater(logit, 0)</c>: false for NaN,
    /// as our head decides); regression: <see cref="OutputPrefix"/> + <c>Score</c> (<c>[1]</c>,
    /// <c>Add(Mul(output, LabelStandardDeviation), LabelMean)</c>, the order and roundings of our head).
    /// </summary>
    public static byte[] Build(PlainSaveRequest request, out string[] outputNames)
    {
        var builder = new OnnxModelBuilder();
        var network = request.Network;
        string input = request.FeatureColumnName;
        builder.AddInput(input, OnnxModelBuilder.Float, 1, network.InputSize);
        var head = request.Task switch
        {
            NetworkTask.MulticlassClassification => MlpOnnxHead.Softmax,
            NetworkTask.BinaryClassification or NetworkTask.Regression => MlpOnnxHead.Identity,
            _ => throw new NotSupportedException($"No ONNX form for the task {request.Task}."),
        };
        MlpOnnxGraph.AddNetwork(builder, network, input, "network.output", foldBatchNormalization: true, head, "");
        string shape = builder.AddInitializer("network.output.shape", [(long)network.ClassCount], 1);
        switch (request.Task)
        {
            case NetworkTask.MulticlassClassification:
                string scoreName = OnnxGraphs.OutputName("Score", [input]);
                builder.AddNode("Reshape", ["network.output", shape], [scoreName]);
                builder.AddOutput(scoreName, OnnxModelBuilder.Float, network.ClassCount);
                outputNames = [scoreName];
                break;
            case NetworkTask.BinaryClassification:
                string logit = OutputPrefix + "Score", probability = OutputPrefix + "Probability", label = OutputPrefix + "PredictedLabel";
                builder.AddNode("Reshape", ["network.output", shape], [logit]);
                builder.AddNode("Sigmoid", [logit], [probability]);
                builder.AddNode("Greater", [logit, builder.AddInitializer("zero", [0f], 1)], [label]);
                builder.AddOutput(logit, OnnxModelBuilder.Float, 1);
                builder.AddOutput(probability, OnnxModelBuilder.Float, 1);
                builder.AddOutput(label, OnnxModelBuilder.Bool, 1);
                outputNames = [logit, probability, label];
                break;
            default:
                string score = OutputPrefix + "Score";
                builder.AddNode("Reshape", ["network.output", shape], ["network.standardized"]);
                string scaled = builder.AddNode("Mul", ["network.standardized", builder.AddInitializer("label.standard_deviation", [request.LabelStandardDeviation], 1)], ["network.scaled"]);
                builder.AddNode("Add", [scaled, builder.AddInitializer("label.mean", [request.LabelMean], 1)], [score]);
                builder.AddOutput(score, OnnxModelBuilder.Float, 1);
                outputNames = [score];
                break;
        }
        bool needsPlacement = request.Network.Layers.Any(l => l.HasBatchNormAfterActivation);
        builder.AddMetadata(MarkerKey, needsPlacement ? PlacementMarkerValue : MarkerValue);
        builder.AddMetadata(TaskKey, request.Task.ToString());
        builder.AddMetadata(HeaderKey, request.HeaderJson);
        builder.AddMetadata(ParametersKey, Convert.ToBase64String(request.Parameters));
        return builder.Build("MultilayerPerceptron", OnnxGraphs.ProducerName, OnnxGraphs.ProducerVersion,
            "A BatchNormExtensions.ML network saved with plain mlContext.Model.Save (one row per call, as ML.NET's OnnxTransformer runs it).");
    }
}
