using System.Reflection;
using System.Text.Json;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.BatchNorm.Onnx;

/// <summary>The standalone ONNX models of our transformers (see <see cref="OnnxExportExtensions"/> for their interface).</summary>
internal static class OnnxGraphs
{
    internal const string ProducerName = "BatchNormExtensions.ML";

    /// <summary>Metadata key of the class labels (a JSON array of strings, key order) in a multiclass model.</summary>
    internal const string ClassLabelsKey = "BatchNormExtensions.ClassLabels";

    internal static string ProducerVersion =>
        typeof(OnnxGraphs).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";

    /// <summary>The graph's name for a column's output: the column's name, or with ".output" appended when an input
    /// has that name (ONNX values are assigned once; ML.NET's ApplyOnnxModel drops the suffix again).</summary>
    internal static string OutputName(string column, IEnumerable<string> inputNames)
        => inputNames.Contains(column) ? column + ".output" : column;

    public static OnnxModelBuilder MultilayerPerceptron(MultilayerPerceptronPredictionTransformer model, bool foldBatchNormalization,
        out string inputName, out string scoreName)
    {
        var builder = new OnnxModelBuilder();
        inputName = model.FeatureColumnName;
        scoreName = OutputName("Score", [inputName]);
        builder.AddInput(inputName, OnnxModelBuilder.Float, "N", model.Model.InputSize);
        MlpOnnxGraph.AddNetwork(builder, model.Model.Network, inputName, scoreName, foldBatchNormalization, MlpOnnxHead.Softmax, "");
        builder.AddOutput(scoreName, OnnxModelBuilder.Float, "N", model.Model.ClassCount);
        if (model.LabelKeyValues.ToPortable() is { } labels)
            builder.AddMetadata(ClassLabelsKey, JsonSerializer.Serialize(labels.Values));
        return builder;
    }

    public static byte[] MultilayerPerceptronBytes(MultilayerPerceptronPredictionTransformer model, bool foldBatchNormalization)
        => MultilayerPerceptron(model, foldBatchNormalization, out _, out _).Build("MultilayerPerceptron", ProducerName, ProducerVersion,
            "Multiclass MultilayerPerceptron (dense -> batch norm -> ReLU, or dense -> ReLU -> batch norm, hidden layers, softmax output).");

    /// <summary>Binary: outputs <c>Score</c> ([N, 1], the logit) and <c>Probability</c> ([N, 1], its Sigmoid).</summary>
    public static byte[] BinaryBytes(MultilayerPerceptronBinaryPredictionTransformer model, bool foldBatchNormalization)
    {
        var builder = new OnnxModelBuilder();
        string input = model.FeatureColumnName;
        string score = OutputName("Score", [input]), probability = OutputName("Probability", [input]);
        builder.AddInput(input, OnnxModelBuilder.Float, "N", model.Model.InputSize);
        MlpOnnxGraph.AddNetwork(builder, model.Model.Network, input, score, foldBatchNormalization, MlpOnnxHead.Identity, "");
        builder.AddNode("Sigmoid", [score], [probability]);
        builder.AddOutput(score, OnnxModelBuilder.Float, "N", 1);
        builder.AddOutput(probability, OnnxModelBuilder.Float, "N", 1);
        return builder.Build("MultilayerPerceptron", ProducerName, ProducerVersion,
            "Binary MultilayerPerceptron: Score = the logit, Probability = its sigmoid; the predicted label is Score > 0.");
    }

    /// <summary>Regression: output <c>Score</c> ([N, 1]) = the network's output * LabelStandardDeviation + LabelMean.</summary>
    public static byte[] RegressionBytes(MultilayerPerceptronRegressionPredictionTransformer model, bool foldBatchNormalization)
    {
        var builder = new OnnxModelBuilder();
        string input = model.FeatureColumnName;
        string score = OutputName("Score", [input]);
        builder.AddInput(input, OnnxModelBuilder.Float, "N", model.Model.InputSize);
        MlpOnnxGraph.AddNetwork(builder, model.Model.Network, input, "network.output", foldBatchNormalization, MlpOnnxHead.Identity, "");
        string scaled = builder.AddNode("Mul", ["network.output", builder.AddInitializer("label.standard_deviation", [model.LabelStandardDeviation], 1)], ["network.scaled"]);
        builder.AddNode("Add", [scaled, builder.AddInitializer("label.mean", [model.LabelMean], 1)], [score]);
        builder.AddOutput(score, OnnxModelBuilder.Float, "N", 1);
        return builder.Build("MultilayerPerceptron", ProducerName, ProducerVersion,
            "Regression MultilayerPerceptron: Score = the network's output * LabelStandardDeviation + LabelMean, in the label's units.");
    }

    public static OnnxModelBuilder BatchNormalize(BatchNormalizingTransformer transformer, bool foldBatchNormalization)
    {
        var builder = new OnnxModelBuilder();
        var inputs = transformer.Columns.Select(c => c.InputColumnName).Distinct().ToArray();
        foreach (var input in inputs)
        {
            var column = transformer.Columns.First(c => c.InputColumnName == input);
            builder.AddInput(input, OnnxModelBuilder.Float, "N", column.SlotCount);
        }
        for (int c = 0; c < transformer.Columns.Count; c++)
        {
            var column = transformer.Columns[c];
            int d = column.SlotCount;
            string output = OutputName(column.OutputColumnName, inputs);
            string name = $"column{c}";
            // The mean is kept in double by the transform: its float rounding is subtracted first (exact near the
            // mean, Sterbenz) and the rest follows, folded into the shift or as the BatchNormalization node's mean.
            string centred = builder.AddNode("Sub", [column.InputColumnName, builder.AddInitializer($"{name}.mean_high", column.MeanHigh.AsSpan(), d)], [$"{name}.centred"]);
            if (foldBatchNormalization)
            {
                // Our computation: y = scale * (x - meanHigh) + shift, as the transform's parameters.
                string scaled = builder.AddNode("Mul", [centred, builder.AddInitializer($"{name}.scale", column.Scale.AsSpan(), d)], [$"{name}.scaled"]);
                builder.AddNode("Add", [scaled, builder.AddInitializer($"{name}.shift", column.Shift.AsSpan(), d)], [output]);
            }
            else
            {
                var meanRest = new float[d];
                var variance = new float[d];
                for (int j = 0; j < d; j++)
                {
                    meanRest[j] = (float)(column.Mean[j] - column.MeanHigh[j]);
                    variance[j] = (float)column.Variance[j];
                }
                builder.AddNode("BatchNormalization",
                    [centred, builder.AddInitializer($"{name}.gamma", column.Gamma.AsSpan(), d),
                        builder.AddInitializer($"{name}.beta", column.Beta.AsSpan(), d),
                        builder.AddInitializer($"{name}.mean_rest", meanRest, d),
                        builder.AddInitializer($"{name}.var", variance, d)],
                    [output], OnnxModelBuilder.Attribute.Of("epsilon", column.Epsilon));
            }
            builder.AddOutput(output, OnnxModelBuilder.Float, "N", d);
        }
        return builder;
    }

    public static byte[] BatchNormalizeBytes(BatchNormalizingTransformer transformer, bool foldBatchNormalization)
        => BatchNormalize(transformer, foldBatchNormalization).Build("BatchNormalize", ProducerName, ProducerVersion,
            "BatchNormalize: y = gamma * (x - mean) / sqrt(var + epsilon) + beta per slot.");
}
