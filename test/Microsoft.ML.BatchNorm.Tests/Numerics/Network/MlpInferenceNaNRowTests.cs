using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics.Network;

/// <summary>
/// The inference forward keeps a NaN feature to its own row on every path (row products, one matrix product, tiles
/// on several cores): that row's probabilities are all NaN, the other rows' are bit for bit what they are without it.
/// The trainer's scorer does not put NaN rows through the network at all; this holds the numerics to it anyway.
/// </summary>
[TestClass]
public sealed class MlpInferenceNaNRowTests
{
    [TestMethod]
    [DataRow(3)]
    [DataRow(40)]
    [DataRow(600)]
    public void NaNFeatureMakesOnlyItsOwnRowNaN(int rows)
    {
        const int inputs = 19, classes = 4;
        var random = new Random(rows);
        MlpNetwork network = MlpNetwork.CreateInitialized(inputs, [13, 7], classes, useBatchNormalization: true, batchNormEpsilon: 1e-5f, random);
        float[] clean = Enumerable.Range(0, rows * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int[] nanRows = rows < 8 ? [1] : [0, rows / 2, rows / 2 + 1, rows - 1];
        float[] x = (float[])clean.Clone();
        foreach (int row in nanRows)
            x[row * inputs + row % inputs] = float.NaN;

        MlpInference inference = network.CreateInference(rows);
        var expected = new float[rows * classes];
        var actual = new float[rows * classes];
        inference.PredictProbabilities(clean, rows, expected);
        inference.PredictProbabilities(x, rows, actual);

        for (int i = 0; i < rows; i++)
        {
            for (int c = 0; c < classes; c++)
            {
                float value = actual[i * classes + c];
                if (nanRows.Contains(i))
                    Assert.IsTrue(float.IsNaN(value), $"row {i}, class {c}: {value}");
                else
                    Assert.AreEqual(BitConverter.SingleToInt32Bits(expected[i * classes + c]), BitConverter.SingleToInt32Bits(value),
                        $"row {i}, class {c}: {value:R} beside NaN rows, {expected[i * classes + c]:R} without them");
            }
        }
    }
}
