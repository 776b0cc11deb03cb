using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

[TestClass]
public sealed class MlpPopulationStatisticsTests
{
    private static MlpTrainingResult Train(MlpTestData.Dataset data, MlpInferenceStatistics statistics, float momentum = 0.1f,
        int batchSize = 5, int[]? hidden = null, MlpBatchNormPlacement placement = MlpBatchNormPlacement.BeforeActivation) =>
        MlpTrainer.Train(data.Features, data.Labels, data.RowCount, data.FeatureCount, data.ClassCount, null,
            new MlpTrainingSettings
            {
                HiddenSizes = hidden ?? [4, 3], Epochs = 3, BatchSize = batchSize, Seed = 11, LearningRate = 1e-2f,
                BatchNormMomentum = momentum, InferenceStatistics = statistics, BatchNormPlacement = placement,
            },
            null, CancellationToken.None);

    /// <summary>
    /// Algorithm 2 computed here, independently, in double: the rows in order in mini-batches of batchSize (a trailing
    /// single row joins the last one), each through dense -> BN with the batch statistics -> ReLU (or dense -> ReLU -> BN
    /// for layers that place it after the activation); per BN layer the mean of the batch means and the mean of the
    /// unbiased batch variances of the normalization's input.
    /// </summary>
    private static (double[][] Mean, double[][] Variance) Direct(MlpNetwork network, MlpTestData.Dataset data, int batchSize)
    {
        var batches = new List<(int Start, int Count)>();
        for (int start = 0; start < data.RowCount; start += batchSize)
            batches.Add((start, Math.Min(batchSize, data.RowCount - start)));
        if (batches.Count > 1 && batches[^1].Count == 1)
        {
            batches.RemoveAt(batches.Count - 1);
            batches[^1] = (batches[^1].Start, batches[^1].Count + 1);
        }
        int layerCount = network.Layers.Count;
        var meanSums = new double[layerCount][];
        var varianceSums = new double[layerCount][];
        foreach ((int start, int n) in batches)
        {
            var x = new double[n][];
            for (int r = 0; r < n; r++)
                x[r] = data.Features.AsSpan((start + r) * data.FeatureCount, data.FeatureCount).ToArray().Select(v => (double)v).ToArray();
            for (int l = 0; l < layerCount - 1; l++)
            {
                MlpLayer layer = network.Layers[l];
                int outSize = layer.OutputSize, inSize = layer.InputSize;
                var z = new double[n][];
                for (int r = 0; r < n; r++)
                {
                    z[r] = new double[outSize];
                    for (int o = 0; o < outSize; o++)
                    {
                        double sum = layer.Bias?[o] ?? 0;
                        for (int i = 0; i < inSize; i++) sum += x[r][i] * layer.Weights[o * inSize + i];
                        z[r][o] = layer.HasBatchNormAfterActivation ? Math.Max(0, sum) : sum;
                    }
                }
                meanSums[l] ??= new double[outSize];
                varianceSums[l] ??= new double[outSize];
                var y = new double[n][];
                for (int r = 0; r < n; r++) y[r] = new double[outSize];
                for (int o = 0; o < outSize; o++)
                {
                    double mean = 0;
                    for (int r = 0; r < n; r++) mean += z[r][o];
                    mean /= n;
                    double variance = 0;
                    for (int r = 0; r < n; r++) variance += (z[r][o] - mean) * (z[r][o] - mean);
                    variance /= n;
                    meanSums[l][o] += mean;
                    varianceSums[l][o] += variance * n / (n - 1.0);
                    for (int r = 0; r < n; r++)
                    {
                        double normalized = layer.Gamma![o] * (z[r][o] - mean) / Math.Sqrt(variance + layer.BatchNormEpsilon) + layer.Beta![o];
                        y[r][o] = layer.HasBatchNormAfterActivation ? normalized : Math.Max(0, normalized);
                    }
                }
                x = y;
            }
        }
        for (int l = 0; l < layerCount - 1; l++)
            for (int o = 0; o < meanSums[l].Length; o++)
            {
                meanSums[l][o] /= batches.Count;
                varianceSums[l][o] /= batches.Count;
            }
        return (meanSums, varianceSums);
    }

    [TestMethod]
    [DataRow(23, false)] // mini-batches of 5, 5, 5, 5, 3
    [DataRow(21, false)] // 5, 5, 5, 6: the trailing single row joins the last mini-batch
    [DataRow(23, true)] // batch normalization after the activation: the statistics of ReLU(dense + bias)
    public void PopulationStatisticsMatchADirectComputation(int rows, bool afterActivation)
    {
        MlpTestData.Dataset data = MlpTestData.Random(rows, 5, 3, seed: 12);
        var placement = afterActivation ? MlpBatchNormPlacement.AfterActivation : MlpBatchNormPlacement.BeforeActivation;
        MlpNetwork network = Train(data, MlpInferenceStatistics.Population, placement: placement).Network;
        Assert.AreEqual(afterActivation, network.Layers[0].HasBatchNormAfterActivation);
        (double[][] mean, double[][] variance) = Direct(network, data, 5);
        for (int l = 0; l < network.Layers.Count - 1; l++)
        {
            MlpLayer layer = network.Layers[l];
            for (int o = 0; o < layer.OutputSize; o++)
            {
                Assert.AreEqual(mean[l][o], layer.RunningMean![o], 1e-5 * (1 + Math.Abs(mean[l][o])), $"layer {l} mean {o}");
                Assert.AreEqual(variance[l][o], layer.RunningVariance![o], 1e-5 * (1 + variance[l][o]), $"layer {l} variance {o}");
            }
        }
        // The running averages of the same training are something else (the test can fail).
        MlpNetwork running = Train(data, MlpInferenceStatistics.RunningAverages, placement: placement).Network;
        Assert.IsFalse(running.Layers[0].RunningMean!.SequenceEqual(network.Layers[0].RunningMean!));
        // Only the statistics differ: the parameters are the same.
        for (int l = 0; l < network.Layers.Count; l++)
        {
            CollectionAssert.AreEqual(running.Layers[l].Weights, network.Layers[l].Weights);
            if (network.Layers[l].HasBatchNorm)
            {
                CollectionAssert.AreEqual(running.Layers[l].Gamma, network.Layers[l].Gamma);
                CollectionAssert.AreEqual(running.Layers[l].Beta, network.Layers[l].Beta);
            }
        }
    }

    [TestMethod]
    public void PopulationStatisticsDoNotDependOnTheMomentum()
    {
        MlpTestData.Dataset data = MlpTestData.Random(40, 6, 3, seed: 13);
        MlpNetwork a = Train(data, MlpInferenceStatistics.Population, momentum: 0.1f, batchSize: 8).Network;
        MlpNetwork b = Train(data, MlpInferenceStatistics.Population, momentum: 0.9f, batchSize: 8).Network;
        MlpNetwork c = Train(data, MlpInferenceStatistics.RunningAverages, momentum: 0.1f, batchSize: 8).Network;
        MlpNetwork d = Train(data, MlpInferenceStatistics.RunningAverages, momentum: 0.9f, batchSize: 8).Network;
        for (int l = 0; l < a.Layers.Count - 1; l++)
        {
            CollectionAssert.AreEqual(a.Layers[l].RunningMean, b.Layers[l].RunningMean, $"layer {l} mean");
            CollectionAssert.AreEqual(a.Layers[l].RunningVariance, b.Layers[l].RunningVariance, $"layer {l} variance");
        }
        Assert.IsFalse(c.Layers[0].RunningMean!.SequenceEqual(d.Layers[0].RunningMean!), "the running averages do depend on it");
    }

    [TestMethod]
    public void WithoutBatchNormalizationPopulationChangesNothing()
    {
        MlpTestData.Dataset data = MlpTestData.Random(30, 4, 2, seed: 14);
        var settings = new MlpTrainingSettings { HiddenSizes = [5], UseBatchNormalization = false, Epochs = 2, BatchSize = 4, Seed = 3 };
        MlpNetwork plain = MlpTrainer.Train(data.Features, data.Labels, data.RowCount, data.FeatureCount, data.ClassCount, null,
            settings, null, CancellationToken.None).Network;
        settings.InferenceStatistics = MlpInferenceStatistics.Population;
        MlpNetwork population = MlpTrainer.Train(data.Features, data.Labels, data.RowCount, data.FeatureCount, data.ClassCount, null,
            settings, null, CancellationToken.None).Network;
        for (int l = 0; l < plain.Layers.Count; l++)
            CollectionAssert.AreEqual(plain.Layers[l].Weights, population.Layers[l].Weights);
    }

    [TestMethod]
    public void TheDefaultPathIsUnchanged()
    {
        // A checksum of every state array (weights, gamma, beta, running statistics) after training with the default
        // settings, recorded before the population statistics existed (commit d432f43): the default is bit-identical.
        MlpTestData.Dataset data = MlpTestData.Random(64, 6, 3, seed: 15);
        var settings = new MlpTrainingSettings { HiddenSizes = [8, 4], Epochs = 2, BatchSize = 8, Seed = 5 };
        MlpNetwork network = MlpTrainer.Train(data.Features, data.Labels, data.RowCount, data.FeatureCount, data.ClassCount, null,
            settings, null, CancellationToken.None).Network;
        ulong hash = 14695981039346656037UL;
        foreach (float[] array in network.StateArrays())
            foreach (float value in array)
            {
                hash ^= BitConverter.SingleToUInt32Bits(value);
                hash *= 1099511628211UL;
            }
        Assert.AreEqual(DefaultChecksum, hash, $"checksum {hash}");
    }

    private const ulong DefaultChecksum = 11453835231802887326UL;

    [TestMethod]
    public void InvalidInferenceStatisticsIsRejected()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => new MlpTrainingSettings { InferenceStatistics = (MlpInferenceStatistics)7 }.Validate());
        Assert.AreEqual(nameof(MlpTrainingSettings.InferenceStatistics), e.ParamName);
    }
}
