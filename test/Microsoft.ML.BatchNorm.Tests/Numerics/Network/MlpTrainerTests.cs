using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>The mini-batch loop: determinism, batch splitting, argument checks, history, early stopping, cancellation.</summary>
[TestClass]
public sealed class MlpTrainerTests
{
    private static MlpTrainingSettings Small(int seed = 1) => new()
    {
        HiddenSizes = [8, 6], Epochs = 3, BatchSize = 16, Seed = seed,
    };

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void SameSeedGivesIdenticalWeightsAndDifferentSeedDoesNot(bool useBatchNorm)
    {
        MlpTestData.Dataset data = MlpTestData.Random(100, 7, 3, seed: 4);
        MlpTrainingSettings settings = Small();
        settings.UseBatchNormalization = useBatchNorm;
        List<float[]> first = MlpTestData.Train(data, settings).Network.StateArrays();
        List<float[]> second = MlpTestData.Train(data, settings).Network.StateArrays();
        settings.Seed = 2;
        List<float[]> other = MlpTestData.Train(data, settings).Network.StateArrays();
        Assert.AreEqual(first.Count, second.Count);
        for (int i = 0; i < first.Count; i++)
            CollectionAssert.AreEqual(first[i], second[i], $"state array {i} differs between two runs with the same seed");
        Assert.IsTrue(first.Zip(other).Any(p => !p.First.AsSpan().SequenceEqual(p.Second)), "a different seed must give different weights");
    }

    [TestMethod]
    public void TrailingSingleRowJoinsThePreviousMiniBatch()
    {
        MlpTestData.Dataset data = MlpTestData.Random(33, 5, 3, seed: 9);
        MlpTrainingResult result = MlpTestData.Train(data, new MlpTrainingSettings { HiddenSizes = [6], Epochs = 4, BatchSize = 32 });
        Assert.AreEqual(4, result.History.Count);
        foreach (MlpEpochSummary epoch in result.History) Assert.IsTrue(double.IsFinite(epoch.TrainLoss), $"epoch {epoch.Epoch} loss");
        Assert.IsTrue(result.Network.StateArrays().All(a => a.All(float.IsFinite)));
    }

    [TestMethod]
    public void MiniBatchPlanMergesOnlyATrailingSingleRow()
    {
        AssertPlan(new MiniBatchPlan(33, 32), maxRows: 33, 33);
        AssertPlan(new MiniBatchPlan(65, 32), maxRows: 33, 32, 33);
        AssertPlan(new MiniBatchPlan(64, 32), maxRows: 32, 32, 32);
        AssertPlan(new MiniBatchPlan(66, 32), maxRows: 32, 32, 32, 2);
        AssertPlan(new MiniBatchPlan(5, 32), maxRows: 5, 5);
        AssertPlan(new MiniBatchPlan(3, 1), maxRows: 1, 1, 1, 1);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MiniBatchPlan(1, 32));
    }

    private static void AssertPlan(MiniBatchPlan plan, int maxRows, params int[] counts)
    {
        Assert.AreEqual(maxRows, plan.MaxRows);
        Assert.AreEqual(counts.Length, plan.BatchCount);
        int next = 0;
        for (int b = 0; b < counts.Length; b++)
        {
            (int start, int count) = plan.GetBatch(b);
            Assert.AreEqual(next, start, $"batch {b} start");
            Assert.AreEqual(counts[b], count, $"batch {b} rows");
            next += count;
        }
        Assert.AreEqual(plan.RowCount, next, "every row in exactly one batch");
    }

    [TestMethod]
    public void RejectsBadArguments()
    {
        var settings = new MlpTrainingSettings { HiddenSizes = [4], Epochs = 1 };
        Assert.ThrowsExactly<ArgumentException>(() => MlpTrainer.Train([1f, 2f], [0], 1, 2, 2, null, settings, null, default));
        var labelError = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => MlpTrainer.Train(new float[8], [0, 1, 0, 2], 4, 2, 2, null, settings, null, default));
        StringAssert.Contains(labelError.Message, "row 3");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => MlpTrainer.Train(new float[8], [0, 1, -1, 0], 4, 2, 2, null, settings, null, default));
        var nanError = Assert.ThrowsExactly<ArgumentException>(
            () => MlpTrainer.Train([0, 0, 1, float.NaN, 0, 0], [0, 1, 0], 3, 2, 2, null, settings, null, default));
        StringAssert.Contains(nanError.Message, "row 1");
        Assert.ThrowsExactly<ArgumentException>(() => MlpTrainer.Train(new float[5], [0, 1, 0], 3, 2, 2, null, settings, null, default));
        settings.EarlyStoppingPatience = 2;
        Assert.ThrowsExactly<ArgumentException>(() => MlpTrainer.Train(new float[6], [0, 1, 0], 3, 2, 2, null, settings, null, default));
        settings.EarlyStoppingPatience = 0;
        settings.LearningRate = 0f;
        var settingError = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => MlpTrainer.Train(new float[6], [0, 1, 0], 3, 2, 2, null, settings, null, default));
        Assert.AreEqual(nameof(MlpTrainingSettings.LearningRate), settingError.ParamName);
    }

    [TestMethod]
    public void SettingsValidationNamesTheSetting()
    {
        new MlpTrainingSettings().Validate();
        (Action<MlpTrainingSettings> Change, string Name)[] cases =
        [
            (s => s.Epochs = 0, nameof(MlpTrainingSettings.Epochs)),
            (s => s.BatchSize = 0, nameof(MlpTrainingSettings.BatchSize)),
            (s => s.BatchSize = 1, nameof(MlpTrainingSettings.BatchSize)),
            (s => s.HiddenSizes = [4, 0], nameof(MlpTrainingSettings.HiddenSizes)),
            (s => s.LearningRate = -1f, nameof(MlpTrainingSettings.LearningRate)),
            (s => s.LearningRate = float.NaN, nameof(MlpTrainingSettings.LearningRate)),
            (s => s.LearningRate = float.PositiveInfinity, nameof(MlpTrainingSettings.LearningRate)),
            (s => s.SgdMomentum = 1f, nameof(MlpTrainingSettings.SgdMomentum)),
            (s => s.SgdMomentum = -0.1f, nameof(MlpTrainingSettings.SgdMomentum)),
            (s => s.AdamBeta1 = 1f, nameof(MlpTrainingSettings.AdamBeta1)),
            (s => s.AdamBeta2 = float.NaN, nameof(MlpTrainingSettings.AdamBeta2)),
            (s => s.AdamEpsilon = 0f, nameof(MlpTrainingSettings.AdamEpsilon)),
            (s => s.L2Regularization = -1e-3f, nameof(MlpTrainingSettings.L2Regularization)),
            (s => s.BatchNormEpsilon = 0f, nameof(MlpTrainingSettings.BatchNormEpsilon)),
            (s => s.BatchNormMomentum = 1.5f, nameof(MlpTrainingSettings.BatchNormMomentum)),
            (s => s.EarlyStoppingPatience = -1, nameof(MlpTrainingSettings.EarlyStoppingPatience)),
            (s => s.InitialWeightScale = 0f, nameof(MlpTrainingSettings.InitialWeightScale)),
            (s => s.InitialWeightScale = float.NaN, nameof(MlpTrainingSettings.InitialWeightScale)),
            (s => s.BatchProgressInterval = TimeSpan.FromTicks(-1), nameof(MlpTrainingSettings.BatchProgressInterval)),
        ];
        foreach ((Action<MlpTrainingSettings> change, string name) in cases)
        {
            var settings = new MlpTrainingSettings();
            change(settings);
            var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(settings.Validate, name);
            Assert.AreEqual(name, error.ParamName);
        }
        // Batch size 1 is fine without batch normalization; momentum 0 and 1 are the ends of the allowed range.
        new MlpTrainingSettings { BatchSize = 1, UseBatchNormalization = false, BatchNormMomentum = 1f, SgdMomentum = 0f }.Validate();
    }

    [TestMethod]
    public void HistoryCallbackAndValidationMetricsAreReported()
    {
        MlpTestData.Dataset data = MlpTestData.Random(80, 4, 2, seed: 2);
        MlpTestData.Dataset held = MlpTestData.Random(30, 4, 2, seed: 3);
        var seen = new List<MlpEpochSummary>();
        MlpTrainingResult result = MlpTrainer.Train(data.Features, data.Labels, data.RowCount, 4, 2,
            new MlpValidationData(held.Features, held.Labels, held.RowCount), Small(), seen.Add, CancellationToken.None);
        CollectionAssert.AreEqual(result.History.ToArray(), seen.ToArray());
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, seen.Select(s => s.Epoch).ToArray());
        foreach (MlpEpochSummary s in seen)
        {
            Assert.IsNotNull(s.ValidationLoss);
            Assert.IsTrue(s.ValidationAccuracy is >= 0 and <= 1);
            Assert.IsTrue(s.TrainAccuracy is >= 0 and <= 1);
            Assert.IsTrue(s.TrainLoss > 0 && double.IsFinite(s.TrainLoss));
        }
        // The reported validation metrics of the final epoch are those of the returned network.
        MlpTestData.Dataset heldData = held;
        Assert.AreEqual(seen[^1].ValidationAccuracy!.Value, MlpTestData.Accuracy(result.Network, heldData), 1e-12);
        Assert.AreEqual(seen.MinBy(s => s.ValidationLoss)!.Epoch, result.BestEpoch);
        Assert.IsFalse(result.StoppedEarly);

        MlpTrainingResult noValidation = MlpTestData.Train(data, Small());
        Assert.IsNull(noValidation.History[0].ValidationLoss);
        Assert.AreEqual(3, noValidation.BestEpoch);
    }

    [TestMethod]
    public void BatchProgressReportsTheRunningLossAndEndsEachEpochComplete()
    {
        // 100 rows in mini-batches of 16: 6 of 16 and a last of 4. Interval zero: a report after every mini-batch.
        MlpTestData.Dataset data = MlpTestData.Random(100, 4, 2, seed: 2);
        MlpTrainingSettings settings = Small();
        settings.BatchProgressInterval = TimeSpan.Zero;
        var reports = new List<MlpBatchProgress>();
        var epochs = new List<MlpEpochSummary>();
        MlpTrainer.Train(data.Features, data.Labels, data.RowCount, 4, 2, null, settings,
            summary =>
            {
                Assert.AreEqual(summary.Epoch, reports[^1].Epoch, "the epoch's last report comes before its summary");
                epochs.Add(summary);
            },
            CancellationToken.None, reports.Add);

        Assert.AreEqual(3 * 7, reports.Count);
        int[] rowsDone = [16, 32, 48, 64, 80, 96, 100];
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            MlpBatchProgress[] ofEpoch = reports.Where(r => r.Epoch == epoch).ToArray();
            CollectionAssert.AreEqual(rowsDone, ofEpoch.Select(r => r.RowsDone).ToArray(), $"epoch {epoch}");
            Assert.IsTrue(ofEpoch.All(r => r.RowCount == 100 && double.IsFinite(r.TrainLoss) && r.TrainLoss > 0));
            Assert.IsTrue(ofEpoch.Zip(ofEpoch.Skip(1)).All(p => p.First.Elapsed <= p.Second.Elapsed), "elapsed time grows");
            // After the last mini-batch the running loss is the epoch's loss, to the bit.
            Assert.AreEqual(epochs[epoch - 1].TrainLoss, ofEpoch[^1].TrainLoss);
        }

        // With the default 100 ms interval, every epoch still ends with a complete report.
        reports.Clear();
        MlpTrainer.Train(data.Features, data.Labels, data.RowCount, 4, 2, null, Small(), null, CancellationToken.None, reports.Add);
        for (int epoch = 1; epoch <= 3; epoch++)
            Assert.AreEqual(100, reports.Last(r => r.Epoch == epoch).RowsDone, $"epoch {epoch}");
        Assert.IsTrue(reports.Count >= 3);
    }

    [TestMethod]
    public void InitialWeightScaleMultipliesTheInitialWeights()
    {
        MlpNetwork plain = MlpNetwork.CreateInitialized(20, [16], 3, false, 1e-5f, new Random(4));
        MlpNetwork scaled = MlpNetwork.CreateInitialized(20, [16], 3, false, 1e-5f, new Random(4), weightScale: 10f);
        for (int l = 0; l < 2; l++)
            for (int i = 0; i < plain.Layers[l].Weights.Length; i++)
                Assert.AreEqual(10.0 * plain.Layers[l].Weights[i], scaled.Layers[l].Weights[i], 1e-5 * Math.Abs(scaled.Layers[l].Weights[i]),
                    $"layer {l} weight {i}");
        Assert.IsTrue(scaled.Layers[1].Bias!.All(b => b == 0f), "biases are not scaled");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => MlpNetwork.CreateInitialized(20, [16], 3, false, 1e-5f, new Random(4), weightScale: float.PositiveInfinity));
    }

    [TestMethod]
    public void EarlyStoppingRestoresTheBestEpoch()
    {
        // Random labels: the validation loss soon rises as the network memorizes noise, so patience 2 stops early.
        MlpTestData.Dataset data = MlpTestData.Random(64, 10, 2, seed: 21);
        MlpTestData.Dataset held = MlpTestData.Random(64, 10, 2, seed: 22);
        var settings = new MlpTrainingSettings
        {
            HiddenSizes = [64], Epochs = 60, BatchSize = 8, LearningRate = 1e-2f, EarlyStoppingPatience = 2, Seed = 3,
        };
        MlpTrainingResult result = MlpTestData.Train(data, settings, new MlpValidationData(held.Features, held.Labels, held.RowCount));
        Assert.IsTrue(result.StoppedEarly, "the validation loss on random labels should stop improving");
        Assert.AreEqual(result.BestEpoch + 2, result.History.Count, "stops after exactly `patience` epochs without improvement");
        MlpEpochSummary best = result.History[result.BestEpoch - 1];
        Assert.AreEqual(result.History.Min(s => s.ValidationLoss)!.Value, best.ValidationLoss!.Value);
        // The returned network reproduces the best epoch's validation accuracy, not the last one's.
        Assert.AreEqual(best.ValidationAccuracy!.Value, MlpTestData.Accuracy(result.Network, held), 1e-12);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void DivergenceThrowsInsteadOfReturningNaN(bool useBatchNorm)
    {
        // A learning rate of 1e30 overflows the weights within a few steps.
        MlpTestData.Dataset data = MlpTestData.Random(200, 6, 3, seed: 8);
        var settings = new MlpTrainingSettings
        {
            HiddenSizes = [8], UseBatchNormalization = useBatchNorm, Epochs = 3, Optimizer = MlpOptimizerKind.SgdMomentum,
            LearningRate = 1e30f,
        };
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => MlpTestData.Train(data, settings));
        StringAssert.Contains(error.Message, "diverged at epoch 1, mini-batch ");
        StringAssert.Contains(error.Message, "Lower the learning rate");
    }

    [TestMethod]
    public void CancellationStopsBetweenMiniBatches()
    {
        MlpTestData.Dataset data = MlpTestData.Random(64, 4, 2, seed: 5);
        using var source = new CancellationTokenSource();
        int epochs = 0;
        Assert.ThrowsExactly<OperationCanceledException>(() => MlpTrainer.Train(data.Features, data.Labels, 64, 4, 2, null,
            new MlpTrainingSettings { HiddenSizes = [4], Epochs = 5 }, _ => { epochs++; source.Cancel(); }, source.Token));
        Assert.AreEqual(1, epochs);
    }

    [TestMethod]
    public void NetworkFromLayersChecksShapes()
    {
        MlpNetwork network = MlpNetwork.CreateInitialized(3, [4, 5], 2, true, 1e-5f, new Random(0));
        IReadOnlyList<MlpLayer> layers = network.Layers;
        Assert.AreEqual(3, network.InputSize);
        Assert.AreEqual(2, network.ClassCount);
        Assert.IsNull(layers[0].Bias, "no bias before batch norm");
        Assert.IsNotNull(layers[2].Bias);
        _ = new MlpNetwork(layers);
        var e = Assert.ThrowsExactly<ArgumentException>(() => new MlpNetwork([layers[0], layers[2]]));
        StringAssert.Contains(e.Message, "Layer 1 takes 5 inputs but layer 0 produces 4");
        Assert.ThrowsExactly<ArgumentException>(() => new MlpNetwork([layers[0], layers[1]]), "last layer must not have BN/ReLU");
        Assert.ThrowsExactly<ArgumentException>(() => new MlpNetwork([]));
        Assert.ThrowsExactly<ArgumentException>(() => new MlpLayer(3, 2, new float[5], new float[2], null, null, null, null, 0f, false));
        Assert.ThrowsExactly<ArgumentException>(() => new MlpLayer(3, 2, new float[6], null, null, null, null, null, 0f, false));
        Assert.ThrowsExactly<ArgumentException>(() => new MlpLayer(3, 2, new float[6], new float[2], new float[2], null, null, null, 1e-5f, true));
        Assert.ThrowsExactly<ArgumentException>(() => new MlpLayer(3, 2, new float[6], null, [1, 1], [0, 0], [0, 0], [1, -1], 1e-5f, true));
        Assert.ThrowsExactly<ArgumentException>(() => new MlpLayer(3, 2, [0, 0, 0, 0, float.NaN, 0], [0, 0], null, null, null, null, 0f, false));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MlpLayer(3, 2, new float[6], null, [1, 1], [0, 0], [0, 0], [1, 1], 0f, true));
    }

    [TestMethod]
    public void HeInitializationHasTheFanInVariance()
    {
        MlpNetwork network = MlpNetwork.CreateInitialized(400, [300], 10, true, 1e-5f, new Random(7));
        float[] w = network.Layers[0].Weights;
        double mean = w.Average(v => (double)v), variance = w.Average(v => (v - mean) * (v - mean));
        // 120000 samples: the sample variance's relative standard error is sqrt(2 / 120000) ~ 0.4%.
        Assert.AreEqual(2.0 / 400, variance, 0.03 * 2.0 / 400);
        Assert.AreEqual(0, mean, 5 * Math.Sqrt(2.0 / 400 / w.Length));
        Assert.IsTrue(network.Layers[0].Gamma!.All(g => g == 1f) && network.Layers[0].RunningVariance!.All(v => v == 1f));
        Assert.IsTrue(network.Layers[0].Beta!.All(b => b == 0f) && network.Layers[0].RunningMean!.All(m => m == 0f));
        Assert.IsTrue(network.Layers[1].Bias!.All(b => b == 0f));
    }
}
