using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>
/// Sizes that are not multiples of the vector width or of the row block (SIMD tails), and one large enough to
/// be split over cores, against the straightforward double reference.
/// </summary>
[TestClass]
public sealed class BatchNormOddSizeTests
{
    public static IEnumerable<object[]> Sizes()
    {
        foreach (int n in new[] { 1, 2, 7, 33, 257 })
            foreach (int d in new[] { 1, 7, 33, 257 })
                yield return [n, d];
        yield return [2049, 131]; // >= 2^18 elements: the parallel path on a multi-core machine
    }

    [TestMethod]
    [DynamicData(nameof(Sizes))]
    public void ForwardBackwardAndNormalizeMatchTheReference(int n, int d)
    {
        foreach (bool relu in new[] { false, true })
        {
            var random = new Random(n * 1000 + d);
            float[] x = BatchNormGradientTests.Values(random, n * d, 3f, 5f);
            float[] dy = BatchNormGradientTests.Values(random, n * d, 1f, 0f);
            float[] gamma = BatchNormGradientTests.Values(random, d, 0.5f, 1f);
            float[] beta = BatchNormGradientTests.Values(random, d, 0.5f, 0f);
            const float epsilon = 1e-5f;
            string at = $"n={n} d={d} relu={relu}";

            float[] y = new float[n * d], mean = new float[d], variance = new float[d], invStd = new float[d];
            BatchNormKernels.ForwardTraining(x, n, d, gamma, beta, epsilon, relu, y, mean, variance, invStd);
            float[] dx = new float[n * d], dGamma = new float[d], dBeta = new float[d];
            BatchNormKernels.Backward(x, relu ? y : default, dy, n, d, gamma, mean, invStd, relu, dx, dGamma, dBeta);

            double[] xd = BatchNormReference.ToDouble(x), gd = BatchNormReference.ToDouble(gamma);
            double[] bd = BatchNormReference.ToDouble(beta);
            var (exactMean, exactVariance) = BatchNormReference.Moments(xd, n, d);
            NumericAssert.Close(exactMean, mean, 1e-6, 1e-7, $"{at} mean");
            NumericAssert.Close(exactVariance, variance, 1e-5, 1e-7, $"{at} variance");
            NumericAssert.Close(exactVariance.Select(v => 1 / Math.Sqrt(v + epsilon)).ToArray(), invStd, 1e-5, 0, $"{at} invStd");
            NumericAssert.Close(BatchNormReference.Forward(xd, n, d, gd, bd, epsilon, relu), y, 1e-5, 1e-6, $"{at} y");
            var (exactDx, exactDGamma, exactDBeta) =
                BatchNormReference.Backward(xd, BatchNormReference.ToDouble(dy), n, d, gd, bd, epsilon, relu);
            // Sums over up to 2049 float terms: the floor (relative to the largest entry) grows with them.
            NumericAssert.Close(exactDBeta, dBeta, 1e-5, 1e-5, $"{at} dbeta");
            NumericAssert.Close(exactDGamma, dGamma, 1e-5, 1e-5, $"{at} dgamma");
            // dx = gamma invStd (g - mean g - xhat mean(g xhat)) can be a small difference of large terms (for
            // n = 2 with var >> eps, xhat = +-1 and dx is O(eps / var)): any float evaluation is uncertain by a
            // few ulps of the terms, so the tolerance includes 1e-6 (~16 ulps) of their magnitude.
            double[] termMagnitude = DxTermMagnitudes(xd, BatchNormReference.ToDouble(y), BatchNormReference.ToDouble(dy),
                n, d, gd, exactMean, exactVariance, epsilon, relu);
            NumericAssert.Close(exactDx, dx, 1e-5, 1e-5, $"{at} dx", i => 1e-6 * termMagnitude[i]);

            // Algorithm 2 with the (float) batch statistics, in place, against the same formula in double.
            float[] scale = new float[d];
            BatchNormKernels.ComputeScale(variance, gamma, epsilon, scale);
            NumericAssert.Close(exactVariance.Select((v, j) => gamma[j] / Math.Sqrt(variance[j] + (double)epsilon)).ToArray(),
                scale, 1e-6, 0, $"{at} scale");
            float[] inPlace = (float[])x.Clone();
            BatchNormKernels.Normalize(inPlace, n, d, mean, scale, beta, relu, inPlace);
            double[] expected = new double[n * d];
            for (int i = 0; i < n * d; i++)
            {
                double v = ((double)x[i] - mean[i % d]) * scale[i % d] + beta[i % d];
                expected[i] = relu ? Math.Max(0, v) : v;
            }
            NumericAssert.Close(expected, inPlace, 1e-5, 1e-6, $"{at} normalize");
        }
    }

    [TestMethod]
    [DataRow(100, 19)]
    [DataRow(3000, 90)] // parallel on a multi-core machine
    public void LargeMeanSmallSpreadStaysAccurate(int n, int d)
    {
        // |mean| / std = 1e5: the float rounding of the mean alone is a 6e-3 shift of xhat. 19 features: the vector
        // path and the scalar tail.
        var random = new Random(n + d);
        float[] x = new float[n * d];
        for (int i = 0; i < x.Length; i++) x[i] = 1000f + (i % d) + 0.01f * (float)(2 * random.NextDouble() - 1);
        float[] dy = BatchNormGradientTests.Values(random, n * d, 1f, 0f);
        float[] gamma = BatchNormGradientTests.Values(random, d, 0.5f, 1f), beta = BatchNormGradientTests.Values(random, d, 0.5f, 0f);
        const float epsilon = 1e-7f;
        float[] y = new float[n * d], mean = new float[d], variance = new float[d], invStd = new float[d];
        BatchNormKernels.ForwardTraining(x, n, d, gamma, beta, epsilon, false, y, mean, variance, invStd);
        float[] dx = new float[n * d], dGamma = new float[d], dBeta = new float[d];
        BatchNormKernels.Backward(x, default, dy, n, d, gamma, mean, invStd, false, dx, dGamma, dBeta);

        double[] xd = BatchNormReference.ToDouble(x), gd = BatchNormReference.ToDouble(gamma), bd = BatchNormReference.ToDouble(beta);
        var (exactMean, exactVariance) = BatchNormReference.Moments(xd, n, d);
        NumericAssert.Close(exactMean, mean, 1e-7, 0, "mean");
        NumericAssert.Close(exactVariance, variance, 1e-5, 0, "variance");
        NumericAssert.Close(BatchNormReference.Forward(xd, n, d, gd, bd, epsilon, false), y, 1e-5, 1e-5, "y");
        var (exactDx, exactDGamma, exactDBeta) =
            BatchNormReference.Backward(xd, BatchNormReference.ToDouble(dy), n, d, gd, bd, epsilon, false);
        NumericAssert.Close(exactDBeta, dBeta, 1e-5, 1e-5, "dbeta");
        NumericAssert.Close(exactDGamma, dGamma, 1e-5, 1e-5, "dgamma");
        NumericAssert.Close(exactDx, dx, 1e-5, 1e-5, "dx");
    }

    // |gamma| invStd (|g| + |mean g| + |xhat| |mean(g xhat)|) per element: the size of the terms dx sums.
    private static double[] DxTermMagnitudes(double[] x, double[] y, double[] dy, int n, int d, double[] gamma,
        double[] mean, double[] variance, double epsilon, bool relu)
    {
        var magnitude = new double[n * d];
        for (int j = 0; j < d; j++)
        {
            double invStd = 1 / Math.Sqrt(variance[j] + epsilon), gMean = 0, gXhatMean = 0;
            double G(int i) => relu && !(y[i * d + j] > 0) ? 0 : dy[i * d + j];
            for (int i = 0; i < n; i++)
            {
                gMean += G(i) / n;
                gXhatMean += G(i) * (x[i * d + j] - mean[j]) * invStd / n;
            }
            for (int i = 0; i < n; i++)
                magnitude[i * d + j] = Math.Abs(gamma[j]) * invStd * (Math.Abs(G(i)) + Math.Abs(gMean)
                    + Math.Abs((x[i * d + j] - mean[j]) * invStd * gXhatMean));
        }
        return magnitude;
    }
}
