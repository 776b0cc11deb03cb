using Microsoft.ML.TestFramework;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>
/// The transform's output against a float64 computation when the mean is large next to the spread: the mean is kept
/// in double and split into its float rounding and the rest, so nothing of it is lost (see
/// <see cref="BatchNormalizeExactness"/> for the bound).
/// </summary>
[TestClass]
public sealed class BatchNormalizeExactInferenceTests
{
    // Slot 0: the issue's case, mean 1e4 and std 0.1 (a float step of 1e4 is 1e-3, so a float mean is off by up
    // to 5e-4, i.e. 5e-3 standard units). Slot 1: negative mean 3e4 with std 0.5. Slot 2: mean 1e4 with std 1e-3, a
    // spread of about one float step. Slot 3: an ordinary column. Gammas of both signs and betas of any size.
    private static readonly double[] Means = [1e4, -3e4, 1e4, 5];
    private static readonly double[] Stds = [0.1, 0.5, 1e-3, 2];
    private static readonly float[] Gammas = [1, -2, 0.5f, 3];
    private static readonly float[] Betas = [0, 1, -0.25f, 100];

    [TestMethod]
    [DataRow(false, DisplayName = "population variance")]
    [DataRow(true, DisplayName = "unbiased variance")]
    public void OutputIsWithinFloatRoundingsOfFloat64(bool unbiased)
    {
        var rows = TransformTestData.Gaussian(1000, Means, Stds, seed: 91);
        var data = TransformTestData.Vectors("Features", rows);
        const float epsilon = 1e-12f;
        var transformer = new MLContext(seed: 1).Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
        {
            Columns = [new BatchNormalizingEstimator.ColumnOptions("Normalized", "Features")
            {
                Scale = Gammas, Offset = Betas, Epsilon = epsilon, UseUnbiasedVariance = unbiased,
            }],
        }).Fit(data);

        var (mean, variance) = TransformTestData.TwoPassMoments(rows, unbiased);
        var y = DataViewReader.ReadSingles(transformer.Transform(data), "Normalized");
        var relative = BatchNormalizeExactness.AssertWithinBound(rows, y, mean, variance, Gammas, Betas, epsilon, "Transform");
        Console.WriteLine($"largest |y - y64| / max |y64| per slot: {string.Join(", ", relative.Select(r => r.ToString("E2")))}");
        // The issue's figure: within 1e-5 of the output's spread (max |y64|) at mean 1e4, std 0.1.
        Assert.IsLessThanOrEqualTo(1e-5, relative[0], $"slot 0: {relative[0]:E2}");
    }

    [TestMethod]
    public void PredictionEngineAndScalarColumnsAreAsExact()
    {
        var rows = TransformTestData.Gaussian(300, [1e4], [0.1], seed: 92);
        var x = TransformTestData.Slot(rows, 0);
        var data = new InMemoryDataBuilder().AddSingle("X", x).Build();
        var ml = new MLContext(seed: 1);
        var transformer = ml.Transforms.BatchNormalize("Y", "X").Fit(data);
        var (mean, variance) = TransformTestData.TwoPassMoments(rows, unbiased: false);

        var y = DataViewReader.ReadSingles(transformer.Transform(data), "Y");
        var relative = BatchNormalizeExactness.AssertWithinBound(rows, y, mean, variance, [1], [0], BatchNormalizingEstimator.Defaults.Epsilon, "scalar Transform");
        Console.WriteLine($"largest |y - y64| / max |y64|: {relative[0]:E2}");
        var engine = ml.Model.CreatePredictionEngine<ScalarRow, ScalarOutput>(transformer);
        var fromEngine = x.Select(v => new[] { engine.Predict(new ScalarRow { X = v }).Y }).ToArray();
        CollectionAssert.AreEqual(y.Select(r => r[0]).ToArray(), fromEngine.Select(r => r[0]).ToArray(), "PredictionEngine against Transform");
    }

    private sealed class ScalarRow
    {
        public float X { get; set; }
    }

    private sealed class ScalarOutput
    {
        public float Y { get; set; }
    }
}
