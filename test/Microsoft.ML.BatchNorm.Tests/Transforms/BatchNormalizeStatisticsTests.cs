using Microsoft.ML.TestFramework;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>The fitted per-slot statistics against a double two-pass reference.</summary>
[TestClass]
public sealed class BatchNormalizeStatisticsTests
{
    private static readonly double[] Means = [0, 7, -300, 0.001, 42];
    private static readonly double[] Stds = [1, 0.5, 20, 1e-4, 3];

    [TestMethod]
    [DataRow(false, DisplayName = "population variance")]
    [DataRow(true, DisplayName = "unbiased variance")]
    public void MeanAndVarianceMatchTwoPassReference(bool unbiased)
    {
        var ml = new MLContext(seed: 1);
        // 1000 rows: not a multiple of the fitting pass's block size, and the unbiased factor 1000/999 is visible.
        var rows = TransformTestData.Gaussian(1000, Means, Stds, seed: 11);
        var fitted = ml.Transforms.BatchNormalize("Features", useUnbiasedVariance: unbiased)
            .Fit(TransformTestData.Vectors("Features", rows)).GetColumn("Features");

        var (mean, variance) = TransformTestData.TwoPassMoments(rows, unbiased);
        // The reference is exact to double precision. The fitted values are kept in double, not rounded to float:
        // the mean is within float roundings of the spread (the accumulator sums blocks of 16 rows centred on their
        // float block mean), not of the mean itself. The other variance estimate differs by 1e-3.
        AssertClose(mean, fitted.Mean, 1e-12, Stds.Select(s => s * 1e-7).ToArray(), "mean");
        AssertClose(variance, fitted.Variance, 1e-6, new double[Means.Length], "variance");
        var (_, otherVariance) = TransformTestData.TwoPassMoments(rows, !unbiased);
        Assert.IsTrue(Math.Abs(fitted.Variance[0] - otherVariance[0]) > 1e-4 * otherVariance[0],
            "the test tells the two variance estimates apart");
    }

    [TestMethod]
    public void LargeMeanSmallSpreadIsExactToFloatPrecision()
    {
        var ml = new MLContext(seed: 1);
        // Mean 1e4, std 1e-2: the spread is only about 10 float steps (ulp(1e4) = 9.8e-4), and x^2 (1e8) has an
        // ulp of 8, next to a variance of 1e-4: a naive sum of squares would be pure rounding noise.
        var rows = TransformTestData.Gaussian(2000, [1e4], [1e-2], seed: 12);
        var data = new InMemoryDataBuilder().AddSingle("X", TransformTestData.Slot(rows, 0)).Build();
        var transformer = ml.Transforms.BatchNormalize("Y", "X", epsilon: 1e-12f).Fit(data);
        var fitted = transformer.GetColumn("Y");

        var (mean, variance) = TransformTestData.TwoPassMoments(rows, unbiased: false);
        // Kept in double: within float roundings of the spread (1e-7 std), where a float mean would be off by up
        // to half a float step of 1e4 (4.9e-4, that is 0.05 standard units here).
        Assert.AreEqual(mean[0], fitted.Mean[0], 1e-7 * Math.Sqrt(variance[0]), "mean to a fraction of the spread");
        Assert.AreEqual(variance[0], fitted.Variance[0], 1e-6 * variance[0], "variance to float precision");
        Assert.AreEqual(1e-4, variance[0], 1e-5, "the data has the intended spread");

        // The output: x - (float)mean is exact in float (Sterbenz) and the rest of the mean is in the shift, so the
        // output has mean 0 and variance 1 to float precision.
        var y = DataViewReader.ReadSingles(transformer.Transform(data), "Y");
        var (yMean, yVariance) = TransformTestData.TwoPassMoments(y, unbiased: false);
        Assert.AreEqual(1.0, yVariance[0], 1e-5, "output variance");
        Assert.AreEqual(0.0, yMean[0], 1e-5, "output mean");
    }

    [TestMethod]
    public void SparseInputGivesTheSameStatisticsAndOutputAsDense()
    {
        var ml = new MLContext(seed: 1);
        var rows = TransformTestData.Gaussian(500, Means, Stds, seed: 13, zeroFraction: 0.7);
        var dense = TransformTestData.Vectors("Features", rows);
        var sparse = new InMemoryDataBuilder().AddSparseSingleVector("Features", Means.Length, InMemoryDataBuilder.ToSparse(rows)).Build();
        var estimator = ml.Transforms.BatchNormalize("Normalized", "Features");

        var fromDense = estimator.Fit(dense);
        var fromSparse = estimator.Fit(sparse);
        var denseColumn = fromDense.GetColumn("Normalized");
        var sparseColumn = fromSparse.GetColumn("Normalized");
        // The two accumulate in a different order (implicit zeros are counted, not added): equal up to float
        // roundings of the spread (the dense path sums float blocks).
        AssertClose(denseColumn.Mean.ToArray(), sparseColumn.Mean, 1e-12, Stds.Select(s => s * 1e-7).ToArray(), "mean");
        AssertClose(denseColumn.Variance.ToArray(), sparseColumn.Variance, 2e-7, new double[Means.Length], "variance");
        var (mean, variance) = TransformTestData.TwoPassMoments(rows, unbiased: false);
        AssertClose(mean, sparseColumn.Mean, 1e-12, Stds.Select(s => s * 1e-7).ToArray(), "sparse mean against the reference");
        AssertClose(variance, sparseColumn.Variance, 1e-6, new double[Means.Length], "sparse variance against the reference");

        // Sparse input is read as dense by the transform, whichever data was used to fit.
        DataViewAssert.ColumnsAreEqual(fromDense.Transform(dense), "Normalized", fromSparse.Transform(sparse), "Normalized",
            NumericTolerance.RelativeOrAbsolute(1e-5), "sparse against dense");
    }

    private static void AssertClose(double[] expected, System.Collections.Immutable.ImmutableArray<double> actual, double relative,
        double[] absolute, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: slot count");
        for (int j = 0; j < expected.Length; j++)
            Assert.AreEqual(expected[j], actual[j], relative * Math.Abs(expected[j]) + absolute[j], $"{what}, slot {j}");
    }
}
