using Microsoft.ML.TestFramework;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>The transform is y = gamma * (x - mean) / sqrt(var + eps) + beta (Ioffe and Szegedy 2015, Algorithm 2).</summary>
[TestClass]
public sealed class BatchNormalizeTransformMathTests
{
    [TestMethod]
    public void GivenStatisticsAndAffineParametersAreApplied()
    {
        var ml = new MLContext(seed: 1);
        float[] gamma = [2, 0.5f, -1.5f, 0];
        float[] beta = [0.25f, -3, 10, 7];
        float[] mean = [1, -2, 100, 5];
        float[] variance = [4, 0.01f, 0, 9];
        const float Epsilon = 0.1f;
        var rows = TransformTestData.Gaussian(25, [1, -2, 100, 5], [2, 0.1, 3, 3], seed: 21);
        var scalars = TransformTestData.Gaussian(25, [3], [1], seed: 22);
        var data = new InMemoryDataBuilder().AddSingleVector("V", rows).AddSingle("S", TransformTestData.Slot(scalars, 0)).Build();

        var transformer = ml.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
        {
            Columns =
            [
                new BatchNormalizingEstimator.ColumnOptions("VOut", "V")
                {
                    Scale = gamma, Offset = beta, Mean = mean, Variance = variance, Epsilon = Epsilon,
                },
                new BatchNormalizingEstimator.ColumnOptions("SOut", "S")
                {
                    Scale = [3], Offset = [-1], Mean = [2.5f], Variance = [0.25f], Epsilon = 1e-3f,
                },
            ],
        }).Fit(data);

        // Given statistics are used as they are, not refitted.
        var column = transformer.GetColumn("VOut");
        CollectionAssert.AreEqual(mean.Select(v => (double)v).ToArray(), column.Mean.ToArray(), "fixed mean kept");
        CollectionAssert.AreEqual(variance.Select(v => (double)v).ToArray(), column.Variance.ToArray(), "fixed variance kept");

        var output = transformer.Transform(data);
        var vOut = DataViewReader.ReadSingles(output, "VOut");
        var sOut = DataViewReader.ReadSingles(output, "SOut");
        for (int i = 0; i < rows.Length; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                double expected = gamma[j] * (rows[i][j] - (double)mean[j]) / Math.Sqrt(variance[j] + (double)Epsilon) + beta[j];
                // Float arithmetic on values of order |gamma (x - mean)| / sqrt(var + eps) + |beta|: a few float steps.
                double scale = Math.Abs(gamma[j] * (rows[i][j] - mean[j]) / Math.Sqrt(variance[j] + Epsilon)) + Math.Abs(beta[j]);
                Assert.AreEqual(expected, vOut[i][j], 4e-7 * scale + 1e-7, $"VOut row {i}, slot {j}");
            }
            double s = 3 * (scalars[i][0] - 2.5) / Math.Sqrt(0.25 + 1e-3f) - 1;
            Assert.AreEqual(s, sOut[i][0], 4e-7 * (Math.Abs(s) + 1), $"SOut row {i}");
        }
        // gamma = 0 gives beta exactly; the input column is left untouched.
        Assert.IsTrue(vOut.All(r => r[3] == 7f), "slot with gamma 0 is beta");
        CollectionAssert.AreEqual(rows.SelectMany(r => r).ToArray(), DataViewReader.ReadSingles(output, "V").SelectMany(r => r).ToArray(), "input kept");
    }

    [TestMethod]
    public void FittedTransformStandardizesEachSlot()
    {
        var ml = new MLContext(seed: 1);
        var rows = TransformTestData.Gaussian(400, [5, -1e3, 0], [2, 50, 1e-3], seed: 23);
        float[] gamma = [1.5f, 0.2f, 3];
        float[] beta = [-1, 4, 0.5f];
        var transformer = ml.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
        {
            Columns = [new BatchNormalizingEstimator.ColumnOptions("Y", "X") { Scale = gamma, Offset = beta, Epsilon = 1e-12f }],
        }).Fit(TransformTestData.Vectors("X", rows));
        var y = DataViewReader.ReadSingles(transformer.Transform(TransformTestData.Vectors("X", rows)), "Y");

        // After the map each slot has mean beta and standard deviation |gamma| (population statistics).
        var (mean, variance) = TransformTestData.TwoPassMoments(y, unbiased: false);
        for (int j = 0; j < 3; j++)
        {
            Assert.AreEqual(beta[j], mean[j], 1e-5 * (Math.Abs(beta[j]) + gamma[j]), $"output mean, slot {j}");
            Assert.AreEqual(gamma[j] * gamma[j], variance[j], 1e-4 * gamma[j] * gamma[j], $"output variance, slot {j}");
        }
    }
}
