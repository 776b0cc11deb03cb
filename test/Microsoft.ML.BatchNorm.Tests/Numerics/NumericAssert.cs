namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>Element-wise closeness with a tolerance per element, reporting the worst offender.</summary>
internal static class NumericAssert
{
    /// <summary>
    /// Asserts |actual[i] - expected[i]| &lt;= relative * |expected[i]| + floor * max|expected| + extra(i) for all i.
    /// The floor (relative to the largest magnitude) covers entries that are small differences of larger terms.
    /// </summary>
    public static void Close(IReadOnlyList<double> expected, IReadOnlyList<float> actual, double relative, double floor,
        string what, Func<int, double>? extra = null)
    {
        Assert.HasCount(expected.Count, actual, $"{what}: length");
        double scale = expected.Count == 0 ? 0 : expected.Max(Math.Abs);
        int worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.IsTrue(float.IsFinite(actual[i]), $"{what}[{i}] = {actual[i]} is not finite.");
            double tolerance = relative * Math.Abs(expected[i]) + floor * scale + (extra?.Invoke(i) ?? 0);
            double ratio = Math.Abs(actual[i] - expected[i]) / tolerance;
            if (!(ratio <= worstRatio)) { worstRatio = ratio; worst = i; }
        }
        if (worstRatio > 1)
            Assert.Fail($"{what}[{worst}]: expected {expected[worst]:R}, actual {actual[worst]:R}, error {worstRatio:F2} x the tolerance.");
    }

    public static void Close(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double relative, double floor,
        string what, Func<int, double>? extra = null) =>
        Close(expected.Select(v => (double)v).ToArray(), actual, relative, floor, what, extra);
}
