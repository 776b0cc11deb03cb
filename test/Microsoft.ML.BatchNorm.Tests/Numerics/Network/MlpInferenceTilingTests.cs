using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics.Network;

[TestClass]
public sealed class MlpInferenceTilingTests
{
    [TestMethod]
    public void LargeCallsSplitIntoTilesGiveTheSameProbabilitiesAsSmallCalls()
    {
        // 1100 rows: tiles of 256 plus a partial tile of 76; compared with calls of 100 rows (one matrix product each).
        const int rows = 1100, inputs = 37, classes = 5;
        var random = new Random(11);
        var network = MlpNetwork.CreateInitialized(inputs, [23, 9], classes, useBatchNormalization: true, batchNormEpsilon: 1e-5f, random);
        foreach (var layer in network.Layers.Where(l => l.HasBatchNorm))
        {
            for (int j = 0; j < layer.OutputSize; j++)
            {
                layer.RunningMean![j] = (float)random.NextDouble() - 0.5f;
                layer.RunningVariance![j] = 0.5f + (float)random.NextDouble();
                layer.Gamma![j] = 0.5f + (float)random.NextDouble();
                layer.Beta![j] = (float)random.NextDouble() - 0.5f;
            }
        }
        float[] x = Enumerable.Range(0, rows * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

        var whole = new float[rows * classes];
        network.CreateInference(rows).PredictProbabilities(x, rows, whole);

        var pieces = new float[rows * classes];
        var small = network.CreateInference(100);
        for (int start = 0; start < rows; start += 100)
            small.PredictProbabilities(x.AsSpan(start * inputs, 100 * inputs), 100, pieces.AsSpan(start * classes, 100 * classes));

        for (int i = 0; i < whole.Length; i++)
            Assert.AreEqual(pieces[i], whole[i], 1e-6f, $"row {i / classes}, class {i % classes}");
    }
}
