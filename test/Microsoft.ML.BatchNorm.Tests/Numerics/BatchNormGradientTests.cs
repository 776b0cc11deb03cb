using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>
/// Backward against central finite differences of a double-precision forward (BatchNormReference.Forward) of
/// the loss L = sum(dy * y), so the check is independent of the section 3 formulas.
/// </summary>
[TestClass]
public sealed class BatchNormGradientTests
{
    private const double Step = 1e-5;

    [TestMethod]
    [DataRow(false, 6, 5)]
    [DataRow(true, 6, 5)]
    [DataRow(false, 13, 11)]
    [DataRow(true, 13, 11)]
    public void BackwardMatchesFiniteDifferences(bool relu, int n, int d)
    {
        var random = new Random(1234 + n * 31 + d + (relu ? 7 : 0));
        float[] x = Values(random, n * d, 2f, 0.5f), dy = Values(random, n * d, 1f, 0f);
        float[] gamma = Values(random, d, 0.5f, 1f), beta = Values(random, d, 0.5f, 0.2f);
        const float epsilon = 1e-3f;

        float[] y = new float[n * d], mean = new float[d], variance = new float[d], invStd = new float[d];
        BatchNormKernels.ForwardTraining(x, n, d, gamma, beta, epsilon, relu, y, mean, variance, invStd);
        float[] dx = new float[n * d], dGamma = new float[d], dBeta = new float[d];
        BatchNormKernels.Backward(x, relu ? y : default, dy, n, d, gamma, mean, invStd, relu, dx, dGamma, dBeta);

        double[] xd = BatchNormReference.ToDouble(x), dyd = BatchNormReference.ToDouble(dy);
        double[] gd = BatchNormReference.ToDouble(gamma), bd = BatchNormReference.ToDouble(beta);
        double Loss()
        {
            double[] yd = BatchNormReference.Forward(xd, n, d, gd, bd, epsilon, relu);
            double loss = 0;
            for (int i = 0; i < yd.Length; i++) loss += dyd[i] * yd[i];
            return loss;
        }
        double[] Numeric(double[] parameter)
        {
            var gradient = new double[parameter.Length];
            for (int k = 0; k < parameter.Length; k++)
            {
                double saved = parameter[k];
                parameter[k] = saved + Step;
                double plus = Loss();
                parameter[k] = saved - Step;
                double minus = Loss();
                parameter[k] = saved;
                gradient[k] = (plus - minus) / (2 * Step);
            }
            return gradient;
        }

        // float32 kernels against an O(h^2 + 1e-16 / h) double estimate: 1e-4 is float rounding with margin.
        NumericAssert.Close(Numeric(xd), dx, 1e-4, 1e-4, $"dx (relu {relu})");
        NumericAssert.Close(Numeric(gd), dGamma, 1e-4, 1e-4, $"dgamma (relu {relu})");
        NumericAssert.Close(Numeric(bd), dBeta, 1e-4, 1e-4, $"dbeta (relu {relu})");
        if (relu)
            Assert.IsTrue(y.Any(v => v == 0) && y.Any(v => v > 0), "the data should exercise both sides of the ReLU");
    }

    [TestMethod]
    public void SectionThreeFormulasMatchFiniteDifferences()
    {
        // The double reference's literal section 3 backward is itself checked, so it can serve the odd-size tests.
        const int n = 5, d = 3;
        var random = new Random(99);
        double[] x = BatchNormReference.ToDouble(Values(random, n * d, 1f, 0f));
        double[] dy = BatchNormReference.ToDouble(Values(random, n * d, 1f, 0f));
        double[] gamma = [0.7, -1.3, 2.0], beta = [0.1, 0.2, -0.3];
        var (dx, _, _) = BatchNormReference.Backward(x, dy, n, d, gamma, beta, 1e-3, false);
        for (int k = 0; k < n * d; k++)
        {
            double saved = x[k];
            x[k] = saved + Step;
            double plus = Dot(dy, BatchNormReference.Forward(x, n, d, gamma, beta, 1e-3, false));
            x[k] = saved - Step;
            double minus = Dot(dy, BatchNormReference.Forward(x, n, d, gamma, beta, 1e-3, false));
            x[k] = saved;
            Assert.AreEqual((plus - minus) / (2 * Step), dx[k], 1e-7, $"dx[{k}]");
        }
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    internal static float[] Values(Random random, int count, float spread, float offset)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = offset + spread * (float)(2 * random.NextDouble() - 1);
        return values;
    }
}
