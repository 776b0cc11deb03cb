using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.BatchNorm.Tests.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>
/// Batch Renormalization (Ioffe 2017, arXiv:1702.03275): known answers of Algorithm 1 from a float64 PyTorch
/// transcription (TestData/batch_renorm_reference.py, autograd for the gradients), the warm-up schedule, and the
/// invariant that closed bounds (r_max = 1, d_max = 0, or the warm-up) give plain batch normalization bit for bit.
/// </summary>
[TestClass]
public sealed class MlpBatchRenormalizationTests
{
    // Float32 against a float64 reference: a few ulps of float32, as in TorchKnownAnswerTests.
    private const double Relative = 1e-5;
    private const double Floor = 1e-6;

    [TestMethod]
    [DataRow("small-batch")]
    [DataRow("paper-bounds")]
    public void StepsMatchTheTranscriptionOfAlgorithm1(string name)
    {
        RenormCase c = RenormReference.Instance.Cases.Single(k => k.Name == name);
        int n = c.N, d = c.D;
        // One batch-norm layer whose input z is given directly (the dense layer in front of it is not used).
        MlpNetwork network = MlpNetwork.CreateInitialized(d, [d], 2, true, c.Epsilon, new Random(1));
        MlpLayer layer = network.Layers[0];
        c.Gamma.CopyTo(layer.Gamma!, 0);
        c.Beta.CopyTo(layer.Beta!, 0);
        var workspace = new MlpBatchNormTraining(network, n, new MlpBatchRenormalization
        {
            RMax = c.RMax, DMax = c.DMax, WarmUpSteps = 0, RMaxRelaxationSteps = 0, DMaxRelaxationSteps = 0, Momentum = c.RenormMomentum,
        }, null);
        float[] y = new float[n * d], mean = new float[d], variance = new float[d], invStd = new float[d];
        float[] dx = new float[n * d], dGamma = new float[d], dBeta = new float[d];
        for (int s = 0; s < c.Steps.Count; s++)
        {
            RenormStep step = c.Steps[s];
            string at = $"{name} step {s}";
            workspace.Forward(0, step.X, n, false, y, c.Momentum, mean, variance, invStd);
            workspace.Backward(0, step.X, y, step.Dy, n, false, dx, dGamma, dBeta);
            NumericAssert.Close(step.R, workspace.LastR(0).ToArray(), Relative, Floor, $"{at} r");
            NumericAssert.Close(step.D, workspace.LastD(0).ToArray(), Relative, Floor, $"{at} d");
            NumericAssert.Close(step.Y, y, Relative, Floor, $"{at} y");
            NumericAssert.Close(step.Dx, dx, Relative, Floor, $"{at} dx");
            NumericAssert.Close(step.DGamma, dGamma, Relative, Floor, $"{at} dgamma");
            NumericAssert.Close(step.DBeta, dBeta, Relative, Floor, $"{at} dbeta");
            NumericAssert.Close(step.MuAfter, workspace.RenormalizationMean(0).ToArray(), Relative, Floor, $"{at} moving mean");
            NumericAssert.Close(step.SigmaAfter, workspace.RenormalizationStandardDeviation(0).ToArray(), Relative, Floor, $"{at} moving std");
            NumericAssert.Close(step.RunningMeanAfter, layer.RunningMean!, Relative, Floor, $"{at} running mean");
            NumericAssert.Close(step.RunningVarianceAfter, layer.RunningVariance!, Relative, Floor, $"{at} running variance");
        }
        Assert.AreEqual(c.Steps.Count, workspace.Steps(0));
    }

    [TestMethod]
    public void BoundsStayClosedDuringTheWarmUpThenOpenLinearly()
    {
        var settings = new MlpBatchRenormalization { RMax = 3, DMax = 5, WarmUpSteps = 100, RMaxRelaxationSteps = 400, DMaxRelaxationSteps = 200 };
        (float R, float D) At(long step)
        {
            settings.GetBounds(step, out float r, out float d);
            return (r, d);
        }
        Assert.AreEqual((1f, 0f), At(0));
        Assert.AreEqual((1f, 0f), At(100));
        Assert.AreEqual((1.5f, 2.5f), At(200));   // a quarter of r's ramp, half of d's
        Assert.AreEqual((2f, 5f), At(300));
        Assert.AreEqual((3f, 5f), At(500));
        Assert.AreEqual((3f, 5f), At(1_000_000));
        settings.RMaxRelaxationSteps = 0;
        settings.DMaxRelaxationSteps = 0;
        Assert.AreEqual((1f, 0f), At(99));
        Assert.AreEqual((3f, 5f), At(100));
    }

    [TestMethod]
    public void ClosedBoundsTrainExactlyAsPlainBatchNorm()
    {
        MlpTestData.Dataset data = MlpTestData.Random(203, 6, 3, seed: 41);
        MlpTrainingSettings Settings(MlpBatchRenormalization? renormalization) => new()
        {
            HiddenSizes = [8, 5], Epochs = 3, BatchSize = 8, Seed = 4, BatchRenormalization = renormalization,
        };
        MlpNetwork plain = MlpTestData.Train(data, Settings(null)).Network;
        // r_max = 1, d_max = 0 from the first step; and the default schedule, whose warm-up (5000 steps) outlasts these 75.
        MlpNetwork closed = MlpTestData.Train(data, Settings(new MlpBatchRenormalization
        {
            RMax = 1, DMax = 0, WarmUpSteps = 0, RMaxRelaxationSteps = 0, DMaxRelaxationSteps = 0, Momentum = 0.3f,
        })).Network;
        MlpNetwork warmingUp = MlpTestData.Train(data, Settings(new MlpBatchRenormalization())).Network;
        AssertSameBits(plain, closed, "r_max = 1, d_max = 0");
        AssertSameBits(plain, warmingUp, "during the warm-up");
        // The steps are counted over the whole training: 3 epochs of 26 mini-batches (25 of 8 rows and one of 3) are
        // 78 steps, so a warm-up of 78 steps is plain batch normalization throughout, and one of 77 bounds opened at
        // once renormalizes the last step only, which changes the result.
        MlpBatchRenormalization OpenAfter(int warmUpSteps) => new()
        {
            WarmUpSteps = warmUpSteps, RMaxRelaxationSteps = 0, DMaxRelaxationSteps = 0, Momentum = 0.3f,
        };
        AssertSameBits(plain, MlpTestData.Train(data, Settings(OpenAfter(78))).Network, "a warm-up of all 78 steps");
        MlpNetwork lastStepOpen = MlpTestData.Train(data, Settings(OpenAfter(77))).Network;
        Assert.IsFalse(plain.StateArrays().Zip(lastStepOpen.StateArrays()).All(p => p.First.AsSpan().SequenceEqual(p.Second)),
            "open bounds in the last step changed nothing");
    }

    [TestMethod]
    public void StepsOfRenormalizedGhostBatchesAllocateNothing()
    {
        var random = new Random(7);
        MlpNetwork network = MlpNetwork.CreateInitialized(784, [256, 128], 10, true, 1e-5f, random);
        const int BatchSize = 32;
        var pass = new MlpTrainingPass(network, BatchSize)
        {
            BatchNormTraining = new MlpBatchNormTraining(network, BatchSize,
                new MlpBatchRenormalization { WarmUpSteps = 0, RMaxRelaxationSteps = 0, DMaxRelaxationSteps = 0 }, 6),
        };
        for (int i = 0; i < pass.Input.Length; i++) pass.Input[i] = (float)random.NextDouble();
        for (int i = 0; i < BatchSize; i++) pass.Labels[i] = random.Next(10);
        MlpOptimizer optimizer = MlpOptimizer.Create(new MlpTrainingSettings(), pass.Parameters);
        double first = pass.Forward(BatchSize, 0.1f, out _), loss = first;
        void Step()
        {
            loss = pass.Forward(BatchSize, 0.1f, out _);
            pass.Backward(BatchSize);
            optimizer.Step();
        }

        AllocationAssert.NothingAfterWarmUp(Step, 10, "renormalized ghost-batch training steps");
        Assert.IsTrue(double.IsFinite(loss) && loss < first, $"the steps trained ({first} -> {loss})");
    }

    [TestMethod]
    public void SettingsOutOfRangeAreNamed()
    {
        void Throws(string name, Action<MlpTrainingSettings> change)
        {
            var settings = new MlpTrainingSettings { BatchRenormalization = new MlpBatchRenormalization() };
            change(settings);
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(settings.Validate, name);
            Assert.AreEqual(name, e.ParamName);
        }
        Throws("BatchRenormalization.RMax", s => s.BatchRenormalization!.RMax = 0.5f);
        Throws("BatchRenormalization.RMax", s => s.BatchRenormalization!.RMax = float.PositiveInfinity);
        Throws("BatchRenormalization.DMax", s => s.BatchRenormalization!.DMax = -1);
        Throws("BatchRenormalization.DMax", s => s.BatchRenormalization!.DMax = float.NaN);
        Throws("BatchRenormalization.WarmUpSteps", s => s.BatchRenormalization!.WarmUpSteps = -1);
        Throws("BatchRenormalization.RMaxRelaxationSteps", s => s.BatchRenormalization!.RMaxRelaxationSteps = -1);
        Throws("BatchRenormalization.DMaxRelaxationSteps", s => s.BatchRenormalization!.DMaxRelaxationSteps = -1);
        Throws("BatchRenormalization.Momentum", s => s.BatchRenormalization!.Momentum = 1.5f);
        Throws("BatchRenormalization", s => s.UseBatchNormalization = false);
        Throws("VirtualBatchSize", s => s.VirtualBatchSize = 1);
        Throws("VirtualBatchSize", s => s.VirtualBatchSize = s.BatchSize + 1);
        Throws("VirtualBatchSize", s => { s.BatchRenormalization = null; s.VirtualBatchSize = 4; s.UseBatchNormalization = false; });
        new MlpTrainingSettings { BatchRenormalization = new MlpBatchRenormalization { RMax = 1, DMax = 0, Momentum = 0 }, VirtualBatchSize = 32 }.Validate();
    }

    internal static void AssertSameBits(MlpNetwork expected, MlpNetwork actual, string what)
    {
        List<float[]> a = expected.StateArrays(), b = actual.StateArrays();
        Assert.HasCount(a.Count, b);
        for (int i = 0; i < a.Count; i++)
            for (int j = 0; j < a[i].Length; j++)
                Assert.AreEqual(BitConverter.SingleToInt32Bits(a[i][j]), BitConverter.SingleToInt32Bits(b[i][j]),
                    $"{what}: state array {i}, element {j}: {a[i][j]:R} against {b[i][j]:R}");
    }

    private sealed class RenormReference
    {
        [JsonPropertyName("cases")] public List<RenormCase> Cases { get; set; } = [];

        private static readonly Lazy<RenormReference> s_instance = new(() =>
        {
            string path = Path.Combine(AppContext.BaseDirectory, "TestData", "batch-renorm-reference.json");
            using FileStream stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<RenormReference>(stream) ?? throw new InvalidOperationException($"{path} holds no JSON object.");
        });

        public static RenormReference Instance => s_instance.Value;
    }

    private sealed class RenormCase
    {
        [JsonPropertyName("name")] public string Name { get; set; } = "";
        [JsonPropertyName("n")] public int N { get; set; }
        [JsonPropertyName("d")] public int D { get; set; }
        [JsonPropertyName("rmax")] public float RMax { get; set; }
        [JsonPropertyName("dmax")] public float DMax { get; set; }
        [JsonPropertyName("renorm_momentum")] public float RenormMomentum { get; set; }
        [JsonPropertyName("momentum_torch")] public float Momentum { get; set; }
        [JsonPropertyName("eps")] public float Epsilon { get; set; }
        [JsonPropertyName("gamma")] public float[] Gamma { get; set; } = [];
        [JsonPropertyName("beta")] public float[] Beta { get; set; } = [];
        [JsonPropertyName("steps")] public List<RenormStep> Steps { get; set; } = [];
    }

    private sealed class RenormStep
    {
        [JsonPropertyName("x")] public float[] X { get; set; } = [];
        [JsonPropertyName("dy")] public float[] Dy { get; set; } = [];
        [JsonPropertyName("y")] public double[] Y { get; set; } = [];
        [JsonPropertyName("r")] public double[] R { get; set; } = [];
        [JsonPropertyName("d")] public double[] D { get; set; } = [];
        [JsonPropertyName("dx")] public double[] Dx { get; set; } = [];
        [JsonPropertyName("dgamma")] public double[] DGamma { get; set; } = [];
        [JsonPropertyName("dbeta")] public double[] DBeta { get; set; } = [];
        [JsonPropertyName("mu_after")] public double[] MuAfter { get; set; } = [];
        [JsonPropertyName("sigma_after")] public double[] SigmaAfter { get; set; } = [];
        [JsonPropertyName("running_mean_after")] public double[] RunningMeanAfter { get; set; } = [];
        [JsonPropertyName("running_var_after")] public double[] RunningVarianceAfter { get; set; } = [];
    }
}
