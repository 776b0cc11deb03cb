using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>
/// The per-epoch train/inference gap (MlpInferenceGapMonitor) against a direct computation in double written here:
/// the sample's losses in training mode (batch statistics) and in inference mode (running statistics), and the
/// distance between the last mini-batch's statistics and the running statistics before it.
/// </summary>
[TestClass]
public sealed class MlpInferenceGapTests
{
    private static MlpTrainingSettings Settings(int epochs, float momentum) => new()
    {
        HiddenSizes = [5, 4], Epochs = epochs, BatchSize = 64, Seed = 3, LearningRate = 1e-2f, BatchNormMomentum = momentum,
    };

    private static MlpTrainingResult Train(MlpTestData.Dataset data, MlpTrainingSettings settings) =>
        MlpTrainer.Train(data.Features, data.Labels, data.RowCount, data.FeatureCount, data.ClassCount, null, settings, null,
            CancellationToken.None);

    /// <summary>
    /// One mini-batch of all the rows through the network in double: per hidden layer z = x W^T, then batch norm with the
    /// batch statistics (training) or the running ones (inference) and ReLU. Returns the mean cross-entropy, the rows
    /// classified right and each hidden layer's batch mean and biased variance of z.
    /// </summary>
    private static (double Loss, int Correct, double[][] Mean, double[][] Variance) Direct(MlpNetwork network,
        MlpTestData.Dataset data, bool training)
    {
        int n = data.RowCount, layerCount = network.Layers.Count;
        var means = new double[layerCount - 1][];
        var variances = new double[layerCount - 1][];
        var x = new double[n][];
        for (int r = 0; r < n; r++)
            x[r] = [.. data.Features.AsSpan(r * data.FeatureCount, data.FeatureCount).ToArray().Select(v => (double)v)];
        for (int l = 0; l < layerCount; l++)
        {
            MlpLayer layer = network.Layers[l];
            int inSize = layer.InputSize, outSize = layer.OutputSize;
            var z = new double[n][];
            for (int r = 0; r < n; r++)
            {
                z[r] = new double[outSize];
                for (int o = 0; o < outSize; o++)
                {
                    double sum = layer.Bias?[o] ?? 0;
                    for (int i = 0; i < inSize; i++) sum += x[r][i] * layer.Weights[o * inSize + i];
                    z[r][o] = sum;
                }
            }
            if (l == layerCount - 1)
            {
                x = z;
                break;
            }
            means[l] = new double[outSize];
            variances[l] = new double[outSize];
            for (int o = 0; o < outSize; o++)
            {
                double mean = z.Average(row => row[o]);
                double variance = z.Average(row => (row[o] - mean) * (row[o] - mean));
                means[l][o] = mean;
                variances[l][o] = variance;
                double mu = training ? mean : layer.RunningMean![o];
                double v = training ? variance : layer.RunningVariance![o];
                for (int r = 0; r < n; r++)
                    z[r][o] = Math.Max(0, layer.Gamma![o] * (z[r][o] - mu) / Math.Sqrt(v + layer.BatchNormEpsilon) + layer.Beta![o]);
            }
            x = z;
        }
        double loss = 0;
        int correct = 0;
        for (int r = 0; r < n; r++)
        {
            double max = x[r].Max();
            double logSum = max + Math.Log(x[r].Sum(v => Math.Exp(v - max)));
            loss += logSum - x[r][data.Labels[r]];
            if (Array.IndexOf(x[r], max) == data.Labels[r]) correct++;
        }
        return (loss / n, correct, means, variances);
    }

    // The distance as documented: RMS over units of (mu_B - mu_R) / sqrt(v_R + eps) and ln((s2_B + eps) / (v_R + eps)) / 2.
    private static double Distance(double[] mean, double[] variance, float[] runningMean, float[] runningVariance, float epsilon)
    {
        double sum = 0;
        for (int j = 0; j < mean.Length; j++)
        {
            double s = (mean[j] - runningMean[j]) / Math.Sqrt(runningVariance[j] + (double)epsilon);
            double t = 0.5 * Math.Log((variance[j] + epsilon) / (runningVariance[j] + (double)epsilon));
            sum += s * s + t * t;
        }
        return Math.Sqrt(sum / mean.Length);
    }

    [TestMethod]
    [DataRow(0.1f)]
    [DataRow(0f)] // the running statistics never leave their initial (0, 1)
    public void GapMatchesADirectComputation(float momentum)
    {
        // 40 rows in one mini-batch per epoch (BatchSize 64): the last mini-batch of epoch e is every row, seen by the
        // network as it was after e - 1 epochs; the sample (at least BatchSize rows, at most all) is every row too.
        MlpTestData.Dataset data = MlpTestData.Random(40, 6, 3, seed: 21);
        const int epochs = 3;
        MlpTrainingResult result = Train(data, Settings(epochs, momentum));
        var initial = MlpNetwork.CreateInitialized(data.FeatureCount, [5, 4], data.ClassCount, true, 1e-5f, new Random(3));
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            MlpInferenceGap gap = result.History[epoch - 1].InferenceGap!;
            Assert.AreEqual(40, gap.SampleRows);
            // The statistics distance of epoch e: the batch statistics under the network after e - 1 epochs, against
            // that network's running statistics.
            MlpNetwork before = epoch == 1 ? initial : Train(data, Settings(epoch - 1, momentum)).Network;
            var (_, _, mean, variance) = Direct(before, data, training: true);
            Assert.HasCount(2, gap.StatisticsDistances);
            for (int l = 0; l < 2; l++)
            {
                MlpLayer layer = before.Layers[l];
                double expected = Distance(mean[l], variance[l], layer.RunningMean!, layer.RunningVariance!, layer.BatchNormEpsilon);
                Assert.AreEqual(expected, gap.StatisticsDistances[l], 1e-5 * (1 + expected), $"epoch {epoch} layer {l} distance");
            }
            // The losses: the network at the epoch's end.
            MlpNetwork after = epoch == epochs ? result.Network : Train(data, Settings(epoch, momentum)).Network;
            var (trainingLoss, trainingCorrect, _, _) = Direct(after, data, training: true);
            var (inferenceLoss, inferenceCorrect, _, _) = Direct(after, data, training: false);
            Assert.AreEqual(trainingLoss, gap.TrainingModeLoss, 1e-5 * trainingLoss, $"epoch {epoch} training-mode loss");
            Assert.AreEqual(inferenceLoss, gap.InferenceLoss, 1e-5 * inferenceLoss, $"epoch {epoch} inference loss");
            Assert.AreEqual(trainingCorrect / 40.0, gap.TrainingModeAccuracy, $"epoch {epoch} training-mode accuracy");
            Assert.AreEqual(inferenceCorrect / 40.0, gap.InferenceAccuracy, $"epoch {epoch} inference accuracy");
            // Two different computations (the test can fail).
            Assert.AreNotEqual(trainingLoss, inferenceLoss, 1e-3);
        }
    }

    [TestMethod]
    public void ATinyMomentumShowsAsALargeGapAndDistance()
    {
        // Digits, batch 32, 3 epochs: with the default momentum the running statistics follow the network and the
        // distance stays near the sampling noise of 32 rows (sqrt(1.5 / 32) = 0.22 for Gaussian activations); with
        // momentum 0.001 they keep 85 % of their initial (0, 1) after 168 steps, and both the distance and the
        // inference-mode loss show it.
        MlpTestData.Dataset data = MlpTestData.Digits();
        MlpInferenceGap Last(float momentum) => MlpTestData.Train(data, new MlpTrainingSettings
        {
            HiddenSizes = [32, 16], Epochs = 3, BatchSize = 32, Seed = 1, BatchNormMomentum = momentum,
        }).History[^1].InferenceGap!;
        MlpInferenceGap normal = Last(0.1f), tiny = Last(0.001f);
        Assert.AreEqual(1024, normal.SampleRows);
        double normalDistance = normal.StatisticsDistances.Max(), tinyDistance = tiny.StatisticsDistances.Max();
        Assert.IsLessThan(3 * Math.Sqrt(1.5 / 32), normalDistance, "default momentum: within a few times the noise of 32 rows");
        Assert.IsGreaterThan(3 * normalDistance, tinyDistance, $"momentum 0.001: distance {tinyDistance:F3} against {normalDistance:F3}");
        // The same training (the momentum does not change the trained parameters), scored with stale statistics.
        Assert.AreEqual(normal.TrainingModeLoss, tiny.TrainingModeLoss, "the training-mode loss does not depend on the running statistics");
        Assert.IsLessThan(0.1 * normal.TrainingModeLoss, Math.Abs(normal.InferenceLoss - normal.TrainingModeLoss),
            "default momentum: inference within 10 % of the training-mode loss");
        Assert.IsGreaterThan(0.5 * tiny.TrainingModeLoss, tiny.InferenceLoss - tiny.TrainingModeLoss,
            "momentum 0.001: inference more than 50 % above the training-mode loss");
    }

    [TestMethod]
    public void TheDiagnosticDoesNotChangeTraining()
    {
        MlpTestData.Dataset data = MlpTestData.Random(90, 6, 3, seed: 22);
        var settings = new MlpTrainingSettings { HiddenSizes = [7, 5], Epochs = 3, BatchSize = 8, Seed = 4 };
        MlpTrainingResult with = MlpTestData.Train(data, settings);
        settings.InferenceGapSampleRows = 0;
        MlpTrainingResult without = MlpTestData.Train(data, settings);
        List<float[]> a = with.Network.StateArrays(), b = without.Network.StateArrays();
        for (int i = 0; i < a.Count; i++) CollectionAssert.AreEqual(b[i], a[i], $"state array {i}");
        Assert.IsTrue(with.History.All(e => e.InferenceGap is not null));
        Assert.IsTrue(without.History.All(e => e.InferenceGap is null));
        Assert.AreEqual(90, with.History[0].InferenceGap!.SampleRows, "a small training set is its own sample");
        // A sample smaller than the data: at least BatchSize rows.
        settings.InferenceGapSampleRows = 5;
        Assert.AreEqual(8, MlpTestData.Train(data, settings).History[0].InferenceGap!.SampleRows);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]   // batch norm after the ReLU: the frozen layer normalizes ReLU(x W^T + b), no ReLU after it
    public void WithFrozenStatisticsTrainingModeIsInferenceMode(bool afterActivation)
    {
        MlpTestData.Dataset data = MlpTestData.Random(60, 6, 3, seed: 23);
        var settings = new MlpTrainingSettings
        {
            HiddenSizes = [7, 5], Epochs = 2, BatchSize = 8, Seed = 5,
            BatchNormPlacement = afterActivation ? MlpBatchNormPlacement.AfterActivation : MlpBatchNormPlacement.BeforeActivation,
        };
        MlpNetwork trained = MlpTestData.Train(data, settings).Network;
        float[][] statistics = [.. trained.Layers.Where(l => l.HasBatchNorm).SelectMany(l => new[] { l.RunningMean!, l.RunningVariance! })];
        settings.BatchNormFreezing = MlpBatchNormFreezing.Statistics;
        MlpTrainingResult tuned = MlpTrainer.Train(data.Features, data.Labels, [], data.RowCount, data.FeatureCount,
            data.ClassCount, null, settings, null, CancellationToken.None, null, trained);
        Assert.HasCount(2, tuned.History);
        Assert.IsTrue(tuned.Network.Layers.Take(2).All(l => l.HasBatchNormAfterActivation == afterActivation), "fine-tuning keeps the placement");
        foreach (MlpEpochSummary epoch in tuned.History)
        {
            MlpInferenceGap gap = epoch.InferenceGap!;
            // The same affine map, computed unfolded (training) and folded into the weights (inference): rounding apart.
            Assert.AreEqual(gap.InferenceLoss, gap.TrainingModeLoss, 1e-5 * gap.InferenceLoss, $"epoch {epoch.Epoch}");
            Assert.IsTrue(gap.StatisticsDistances.All(d => d > 0 && double.IsFinite(d)), "the data's own statistics are still measured");
        }
        float[][] frozen = [.. tuned.Network.Layers.Where(l => l.HasBatchNorm).SelectMany(l => new[] { l.RunningMean!, l.RunningVariance! })];
        for (int i = 0; i < statistics.Length; i++)
            CollectionAssert.AreEqual(statistics[i], frozen[i], $"running statistics array {i} moved");
        Assert.IsFalse(trained.Layers[0].Weights.SequenceEqual(tuned.Network.Layers[0].Weights), "the weights trained");
    }
}
