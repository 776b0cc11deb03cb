using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>
/// The precision contract of BatchNormalize's output (documented on <c>BatchNormalizingTransformer</c>): against
/// <c>y64 = gamma * (x - mean) / sqrt(var + epsilon) + beta</c> computed in double from the double statistics, each
/// output value is within <c>8 u (|beta| + |gamma / sqrt(var + epsilon)| |x - mean|)</c>, u = 2^-24 (one float
/// rounding): a few float roundings of the terms the output is made of, whatever the mean's size next to the spread.
/// </summary>
public static class BatchNormalizeExactness
{
    public const double UnitRoundoff = 1.0 / (1 << 24);

    /// <summary>The documented bound's multiple of the unit roundoff.</summary>
    public const double Roundings = 8;

    /// <summary>
    /// Asserts the bound for every row and slot of <paramref name="actual"/> (rows x slots) against the float64
    /// computation from <paramref name="mean"/> and <paramref name="variance"/>; returns per slot the largest
    /// error relative to the slot's output spread, max_i |y - y64| / max_i |y64|.
    /// </summary>
    public static double[] AssertWithinBound(float[][] inputs, float[][] actual, double[] mean, double[] variance,
        float[] gamma, float[] beta, float epsilon, string what)
    {
        int d = mean.Length;
        var worstRelative = new double[d];
        for (int j = 0; j < d; j++)
        {
            double a = gamma[j] / Math.Sqrt(variance[j] + epsilon);
            double worstError = 0, largest = 0, worstRatio = 0;
            int worstRow = -1;
            for (int i = 0; i < inputs.Length; i++)
            {
                double y64 = a * (inputs[i][j] - mean[j]) + beta[j];
                double error = Math.Abs(actual[i][j] - y64);
                double bound = Roundings * UnitRoundoff * (Math.Abs(beta[j]) + Math.Abs(a) * Math.Abs(inputs[i][j] - mean[j]));
                largest = Math.Max(largest, Math.Abs(y64));
                worstError = Math.Max(worstError, error);
                double ratio = bound > 0 ? error / bound : (error > 0 ? double.PositiveInfinity : 0);
                if (ratio > worstRatio)
                    (worstRatio, worstRow) = (ratio, i);
            }
            worstRelative[j] = largest > 0 ? worstError / largest : worstError;
            Assert.IsLessThanOrEqualTo(1.0, worstRatio,
                $"{what}, slot {j} (mean {mean[j]:G9}, std {Math.Sqrt(variance[j]):G3}, gamma {gamma[j]}, beta {beta[j]}): row {worstRow} " +
                $"is {worstRatio:G3} times the bound {Roundings} u (|beta| + |a| |x - mean|); largest error relative to max |y64|: {worstRelative[j]:E2}");
        }
        return worstRelative;
    }
}
