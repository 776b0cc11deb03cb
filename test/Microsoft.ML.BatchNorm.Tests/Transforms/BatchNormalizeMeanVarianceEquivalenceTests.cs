using Microsoft.ML.TestFramework;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>
/// With gamma = 1, beta = 0 and a vanishing epsilon, batch normalization with the population variance is exactly
/// ML.NET's affine mean-variance normalizer: both compute (x - mean) / std per slot.
/// </summary>
[TestClass]
public sealed class BatchNormalizeMeanVarianceEquivalenceTests
{
    private static readonly Lazy<DigitRow[]> Digits = new(TestDatasets.Digits);

    [TestMethod]
    public void DigitsMatchNormalizeMeanVarianceWithoutFixZero()
    {
        var ml = new MLContext(seed: 1);
        var rows = Digits.Value;
        Assert.HasCount(1797, rows, "digits rows");
        var data = ml.Data.LoadFromEnumerable(rows);

        // Tolerance: the two differ only by epsilon and by float rounding. With epsilon = 1e-12 the relative effect
        // of epsilon is eps / (2 var) <= 2.3e-7 (the smallest non-zero slot variance of digits scaled by 1/16 is
        // 2.2e-6); both store mean and scale as float (6e-8 relative each) and ML.NET forms 1/std in float. That is
        // under 1e-6 relative; 1e-4 leaves room and still catches a wrong variance (n against n - 1 alone is 2.8e-4),
        // a missing epsilon term would not show, a forgotten centering or any real bug would by orders of magnitude.
        // The absolute floor 1e-6 covers outputs at (or next to) zero, where a relative bound demands bit equality.
        var tolerance = new NumericTolerance(Relative: 1e-4, Absolute: 1e-6);
        var batchNorm = ml.Transforms.BatchNormalize("BatchNorm", "Features", epsilon: 1e-12f).Fit(data).Transform(data);
        var meanVariance = ml.Transforms.NormalizeMeanVariance("MeanVariance", "Features", fixZero: false).Fit(data).Transform(data);

        DataViewAssert.ColumnsAreEqual(meanVariance, "MeanVariance", batchNorm, "BatchNorm", tolerance, "digits");

        // Slots 0, 32 and 39 are 0 in every row. ML.NET maps a constant slot to 0 (scale 0); batch normalization
        // maps it to (0 - 0) * gamma / sqrt(0 + eps) + beta = 0 too: both must be exactly 0 there, not NaN.
        var input = DataViewReader.ReadSingles(data, "Features");
        var constant = Enumerable.Range(0, 64).Where(j => input.All(r => r[j] == input[0][j])).ToArray();
        CollectionAssert.AreEqual(new[] { 0, 32, 39 }, constant, "the constant slots of digits");
        var bn = DataViewReader.ReadSingles(batchNorm, "BatchNorm");
        var mv = DataViewReader.ReadSingles(meanVariance, "MeanVariance");
        for (int i = 0; i < bn.Length; i++)
        {
            foreach (int j in constant)
            {
                Assert.AreEqual(0f, mv[i][j], $"NormalizeMeanVariance, row {i}, constant slot {j}");
                Assert.AreEqual(0f, bn[i][j], $"BatchNormalize, row {i}, constant slot {j}");
            }
        }

        // The comparison is not vacuous: outputs are standardized (unit variance in the non-constant slots).
        var (_, variance) = TransformTestData.TwoPassMoments(bn, unbiased: false);
        for (int j = 0; j < 64; j++)
        {
            if (!constant.Contains(j))
                Assert.AreEqual(1.0, variance[j], 1e-4, $"variance of normalized slot {j}");
        }
    }
}
