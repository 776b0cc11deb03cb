using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>
/// Fine-tuning with frozen batch normalization against PyTorch: one SGD step of the same 5 -> [4, 3] -> 3 network,
/// same parameters and non-default running statistics, with the batch-norm layers in <c>eval()</c> mode
/// (TestData/frozen-bn-torch.json, written by TestData/frozen_bn_torch.py with PyTorch 1.13).
/// </summary>
[TestClass]
public sealed class MlpFrozenBatchNormTorchTests
{
    [TestMethod]
    [DataRow("statistics", false)]
    [DataRow("statistics_and_affine", true)]
    public void OneStepMatchesPyTorchWithBatchNormInEvalMode(string caseName, bool freezeAffine)
    {
        MlpBatchNormFreezing freezing = freezeAffine ? MlpBatchNormFreezing.StatisticsAndAffine : MlpBatchNormFreezing.Statistics;
        Reference reference = Reference.Load();
        Case c = reference.Cases.Single(k => k.Name == caseName);
        MlpNetwork initial = Network(c.Before, c.Epsilon);
        var settings = new MlpTrainingSettings
        {
            HiddenSizes = [4, 3], Epochs = 1, BatchSize = reference.Rows, Optimizer = MlpOptimizerKind.SgdMomentum,
            SgdMomentum = 0f, LearningRate = c.LearningRate, BatchNormEpsilon = c.Epsilon, BatchNormFreezing = freezing,
        };
        MlpTrainingResult result = MlpTrainer.Train(reference.X, reference.Labels, [], reference.Rows, reference.Features,
            reference.Classes, null, settings, null, CancellationToken.None, null, initial);

        // One mini-batch of all 7 rows (in a shuffled order: the mean loss is the same up to rounding).
        Assert.AreEqual(c.Loss, result.History[0].TrainLoss, 1e-6 * c.Loss, "the loss before the step");
        MlpNetwork expected = Network(c.After, c.Epsilon);
        for (int l = 0; l < expected.Layers.Count; l++)
        {
            MlpLayer ours = result.Network.Layers[l], torch = expected.Layers[l];
            NumericAssert.Close(torch.Weights, ours.Weights, 1e-5, 1e-6, $"layer {l} weights");
            if (torch.Bias is not null) NumericAssert.Close(torch.Bias, ours.Bias!, 1e-5, 1e-6, $"layer {l} bias");
            if (!torch.HasBatchNorm) continue;
            NumericAssert.Close(torch.Gamma!, ours.Gamma!, 1e-5, 1e-6, $"layer {l} gamma");
            NumericAssert.Close(torch.Beta!, ours.Beta!, 1e-5, 1e-6, $"layer {l} beta");
            // PyTorch leaves eval-mode statistics untouched; ours are the initial ones bit for bit.
            CollectionAssert.AreEqual(torch.RunningMean, ours.RunningMean, $"layer {l} running mean");
            CollectionAssert.AreEqual(torch.RunningVariance, ours.RunningVariance, $"layer {l} running variance");
        }
        // The step did something (the test can fail): the first layer's weights moved.
        Assert.IsFalse(initial.Layers[0].Weights.SequenceEqual(result.Network.Layers[0].Weights));
    }

    private static MlpNetwork Network(List<LayerState> layers, float epsilon) => new(
    [
        .. layers.Take(layers.Count - 1).Select(l => new MlpLayer(l.Weights.Length / l.Gamma!.Length, l.Gamma.Length,
            [.. l.Weights], null, [.. l.Gamma], [.. l.Beta!], [.. l.RunningMean!], [.. l.RunningVariance!], epsilon, hasRelu: true)),
        new MlpLayer(layers[^1].Weights.Length / layers[^1].Bias!.Length, layers[^1].Bias!.Length, [.. layers[^1].Weights],
            [.. layers[^1].Bias!], null, null, null, null, 0f, hasRelu: false),
    ]);

    private sealed class Reference
    {
        [JsonPropertyName("x")] public float[] X { get; set; } = [];
        [JsonPropertyName("labels")] public int[] Labels { get; set; } = [];
        [JsonPropertyName("rows")] public int Rows { get; set; }
        [JsonPropertyName("features")] public int Features { get; set; }
        [JsonPropertyName("classes")] public int Classes { get; set; }
        [JsonPropertyName("cases")] public List<Case> Cases { get; set; } = [];

        public static Reference Load()
        {
            string path = Path.Combine(AppContext.BaseDirectory, "TestData", "frozen-bn-torch.json");
            using FileStream stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<Reference>(stream) ?? throw new InvalidOperationException($"{path} holds no JSON object.");
        }
    }

    private sealed class Case
    {
        [JsonPropertyName("name")] public string Name { get; set; } = "";
        [JsonPropertyName("learning_rate")] public float LearningRate { get; set; }
        [JsonPropertyName("epsilon")] public float Epsilon { get; set; }
        [JsonPropertyName("loss")] public double Loss { get; set; }
        [JsonPropertyName("before")] public List<LayerState> Before { get; set; } = [];
        [JsonPropertyName("after")] public List<LayerState> After { get; set; } = [];
    }

    private sealed class LayerState
    {
        [JsonPropertyName("weights")] public float[] Weights { get; set; } = [];
        [JsonPropertyName("bias")] public float[]? Bias { get; set; }
        [JsonPropertyName("gamma")] public float[]? Gamma { get; set; }
        [JsonPropertyName("beta")] public float[]? Beta { get; set; }
        [JsonPropertyName("running_mean")] public float[]? RunningMean { get; set; }
        [JsonPropertyName("running_var")] public float[]? RunningVariance { get; set; }
    }
}
