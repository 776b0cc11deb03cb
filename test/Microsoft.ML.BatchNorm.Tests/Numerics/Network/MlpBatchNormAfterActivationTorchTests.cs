using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.BatchNorm.Tests.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>
/// Batch normalization after the activation against PyTorch (TestData/mlp-bn-after-relu-torch.json, written by the
/// script beside it): Linear -> ReLU -> BatchNorm1d -> Linear, one training step with the softmax cross-entropy
/// (logits, loss, every gradient, the running statistics, the parameters after an SGD-with-momentum step), then the
/// eval-mode logits of other rows, which our scorer computes with the normalization folded into the output layer.
/// </summary>
[TestClass]
public sealed class MlpBatchNormAfterActivationTorchTests
{
    // Float32 on both sides, summed in different orders, through a batch normalization whose backward subtracts
    // terms of similar size: 1e-5 relative plus 1e-6 of the largest magnitude, as for the batch-norm layer alone.
    private const double Relative = 1e-5, Floor = 1e-6;

    [TestMethod]
    public void OneTrainingStepAndEvalMatchTorch()
    {
        TorchMlpCase c = TorchMlpCase.Load();
        float[] runningMean = new float[c.H], runningVariance = Enumerable.Repeat(1f, c.H).ToArray();
        var hidden = new MlpLayer(c.D, c.H, [.. c.Initial.W1], [.. c.Initial.B1], [.. c.Initial.Gamma], [.. c.Initial.Beta],
            runningMean, runningVariance, c.Epsilon, hasRelu: true, MlpBatchNormPlacement.AfterActivation);
        var output = new MlpLayer(c.H, c.K, [.. c.Initial.W2], [.. c.Initial.B2], null, null, null, null, 0f, hasRelu: false);
        var network = new MlpNetwork([hidden, output]);
        var pass = new MlpTrainingPass(network, c.N);
        c.X.CopyTo(pass.Input, 0);
        c.Labels.CopyTo(pass.Labels, 0);

        double loss = pass.Forward(c.N, c.Momentum, out _);
        NumericAssert.Close(c.Logits, pass.Logits[..(c.N * c.K)].ToArray(), Relative, Floor, "training-mode logits");
        Assert.AreEqual(c.Loss, loss, Relative * Math.Abs(c.Loss), "loss");
        NumericAssert.Close(c.RunningMean, runningMean, Relative, Floor, "running mean after the step");
        NumericAssert.Close(c.RunningVariance, runningVariance, Relative, Floor, "running variance after the step");

        pass.Backward(c.N);
        NumericAssert.Close(c.Gradients.W1, pass.WeightGradients[0], Relative, Floor, "dW1");
        NumericAssert.Close(c.Gradients.B1, pass.BiasGradients[0]!, Relative, Floor, "db1");
        NumericAssert.Close(c.Gradients.Gamma, pass.GammaGradients[0]!, Relative, Floor, "dgamma");
        NumericAssert.Close(c.Gradients.Beta, pass.BetaGradients[0]!, Relative, Floor, "dbeta");
        NumericAssert.Close(c.Gradients.W2, pass.WeightGradients[1], Relative, Floor, "dW2");
        NumericAssert.Close(c.Gradients.B2, pass.BiasGradients[1]!, Relative, Floor, "db2");

        var settings = new MlpTrainingSettings { Optimizer = MlpOptimizerKind.SgdMomentum, LearningRate = c.LearningRate, SgdMomentum = c.SgdMomentum };
        MlpOptimizer.Create(settings, pass.Parameters).Step();
        NumericAssert.Close(c.AfterStep.W1, hidden.Weights, Relative, Floor, "W1 after the step");
        NumericAssert.Close(c.AfterStep.B1, hidden.Bias!, Relative, Floor, "b1 after the step");
        NumericAssert.Close(c.AfterStep.Gamma, hidden.Gamma!, Relative, Floor, "gamma after the step");
        NumericAssert.Close(c.AfterStep.Beta, hidden.Beta!, Relative, Floor, "beta after the step");
        NumericAssert.Close(c.AfterStep.W2, output.Weights, Relative, Floor, "W2 after the step");
        NumericAssert.Close(c.AfterStep.B2, output.Bias!, Relative, Floor, "b2 after the step");

        // Eval mode: PyTorch normalizes with the running statistics as a layer of its own; ours is folded into W2, b2.
        var evalLogits = new float[c.M * c.K];
        network.CreateInference(c.M).ComputeLogits(c.XEval, c.M, evalLogits);
        NumericAssert.Close(c.EvalLogits, evalLogits, Relative, Floor, "eval-mode logits");
    }
}

/// <summary>The parsed mlp-bn-after-relu-torch.json.</summary>
internal sealed class TorchMlpCase
{
    [JsonPropertyName("d")] public int D { get; set; }
    [JsonPropertyName("h")] public int H { get; set; }
    [JsonPropertyName("k")] public int K { get; set; }
    [JsonPropertyName("n")] public int N { get; set; }
    [JsonPropertyName("m")] public int M { get; set; }
    [JsonPropertyName("eps")] public float Epsilon { get; set; }
    [JsonPropertyName("momentum_torch")] public float Momentum { get; set; }
    [JsonPropertyName("learning_rate")] public float LearningRate { get; set; }
    [JsonPropertyName("sgd_momentum")] public float SgdMomentum { get; set; }
    [JsonPropertyName("x")] public float[] X { get; set; } = [];
    [JsonPropertyName("labels")] public int[] Labels { get; set; } = [];
    [JsonPropertyName("x_eval")] public float[] XEval { get; set; } = [];
    [JsonPropertyName("initial")] public TorchMlpParameters Initial { get; set; } = new();
    [JsonPropertyName("logits")] public float[] Logits { get; set; } = [];
    [JsonPropertyName("loss")] public double Loss { get; set; }
    [JsonPropertyName("gradients")] public TorchMlpParameters Gradients { get; set; } = new();
    [JsonPropertyName("running_mean_after")] public float[] RunningMean { get; set; } = [];
    [JsonPropertyName("running_var_after")] public float[] RunningVariance { get; set; } = [];
    [JsonPropertyName("after_step")] public TorchMlpParameters AfterStep { get; set; } = new();
    [JsonPropertyName("eval_logits")] public float[] EvalLogits { get; set; } = [];

    public static TorchMlpCase Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "mlp-bn-after-relu-torch.json");
        using FileStream stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<TorchMlpCase>(stream) ?? throw new InvalidOperationException($"{path} holds no JSON object.");
    }
}

/// <summary>One layer's arrays as PyTorch holds them (Linear weights [out, in], row-major).</summary>
internal sealed class TorchMlpParameters
{
    [JsonPropertyName("w1")] public float[] W1 { get; set; } = [];
    [JsonPropertyName("b1")] public float[] B1 { get; set; } = [];
    [JsonPropertyName("gamma")] public float[] Gamma { get; set; } = [];
    [JsonPropertyName("beta")] public float[] Beta { get; set; } = [];
    [JsonPropertyName("w2")] public float[] W2 { get; set; } = [];
    [JsonPropertyName("b2")] public float[] B2 { get; set; } = [];
}
