using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics.Network;

[TestClass]
public sealed class MlpInferenceTilingTests
{
    private static MlpNetwork Network(int inputs, int[] hidden, int classes, Random random)
    {
        var network = MlpNetwork.CreateInitialized(inputs, hidden, classes, useBatchNormalization: true, batchNormEpsilon: 1e-5f, random);
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
        return network;
    }

    [TestMethod]
    public void LargeCallsSplitIntoTilesGiveTheSameProbabilitiesAsSmallCalls()
    {
        // 1100 rows: tiles of 256 plus a partial tile of 76; compared with calls of 100 rows (one matrix product each).
        const int rows = 1100, inputs = 37, classes = 5;
        var random = new Random(11);
        MlpNetwork network = Network(inputs, [23, 9], classes, random);
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

    [TestMethod]
    [DataRow(37, 23, 9)]
    [DataRow(784, 256, 128)]
    [DataRow(7, 1, 33)]
    [DataRow(257, 33, 7)]
    public void RowsScoredAloneMatchTheSameRowsInABatchBitForBit(int inputs, int hidden1, int hidden2)
    {
        // Prediction engines score one row at a time (row products), cursors whole tiles (matrix products): a row must
        // get the same bits either way. 300 rows cover the tiled path's full and partial tiles.
        if (SgemmKernels.Best.Name == SgemmKernels.PortableKernel.Name) Assert.Inconclusive("Bit equality is guaranteed for the fused AVX kernels.");
        const int rows = 300, classes = 10;
        var random = new Random(inputs);
        MlpNetwork network = Network(inputs, [hidden1, hidden2], classes, random);
        float[] x = Enumerable.Range(0, rows * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var batch = new float[rows * classes];
        network.CreateInference(rows).PredictProbabilities(x, rows, batch);
        var single = network.CreateInference(4);
        var one = new float[4 * classes];
        for (int i = 0; i < rows; i++)
        {
            int n = i % 4 + 1; // 1 to 4 rows per call, all on the single-row path
            if (i + n > rows) n = rows - i;
            single.PredictProbabilities(x.AsSpan(i * inputs, n * inputs), n, one);
            for (int c = 0; c < classes; c++)
                Assert.AreEqual(BitConverter.SingleToInt32Bits(batch[i * classes + c]), BitConverter.SingleToInt32Bits(one[c]),
                    $"row {i}, class {c}: alone {one[c]}, in the batch {batch[i * classes + c]}");
        }
    }
}
