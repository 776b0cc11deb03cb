namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>
/// Straightforward double-precision batch normalization (Ioffe and Szegedy 2015, Algorithm 1 and section 3),
/// written for clarity, not speed: the yardstick for the SIMD kernels and for finite differences.
/// </summary>
internal static class BatchNormReference
{
    /// <summary>Per-feature two-pass mean and biased variance of an n x d row-major matrix.</summary>
    public static (double[] Mean, double[] Variance) Moments(IReadOnlyList<double> x, int n, int d)
    {
        var mean = new double[d];
        var variance = new double[d];
        for (int j = 0; j < d; j++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += x[i * d + j];
            mean[j] = sum / n;
            double squares = 0;
            for (int i = 0; i < n; i++) squares += (x[i * d + j] - mean[j]) * (x[i * d + j] - mean[j]);
            variance[j] = squares / n;
        }
        return (mean, variance);
    }

    /// <summary>Training forward: y = gamma * (x - mean) / sqrt(var + eps) + beta, optionally max(0, .).</summary>
    public static double[] Forward(IReadOnlyList<double> x, int n, int d, IReadOnlyList<double> gamma,
        IReadOnlyList<double> beta, double epsilon, bool relu)
    {
        var (mean, variance) = Moments(x, n, d);
        var y = new double[n * d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                double v = gamma[j] * (x[i * d + j] - mean[j]) / Math.Sqrt(variance[j] + epsilon) + beta[j];
                y[i * d + j] = relu ? Math.Max(0, v) : v;
            }
        return y;
    }

    /// <summary>
    /// Section 3, literally: dxhat = g * gamma; dvar = sum dxhat (x - mean) * -1/2 (var + eps)^-3/2;
    /// dmean = sum -dxhat / sqrt(var + eps) + dvar * sum -2 (x - mean) / n;
    /// dx = dxhat / sqrt(var + eps) + dvar * 2 (x - mean) / n + dmean / n; dgamma = sum g xhat; dbeta = sum g.
    /// g = dy masked by the ReLU output when relu.
    /// </summary>
    public static (double[] Dx, double[] DGamma, double[] DBeta) Backward(IReadOnlyList<double> x,
        IReadOnlyList<double> dy, int n, int d, IReadOnlyList<double> gamma, IReadOnlyList<double> beta,
        double epsilon, bool relu)
    {
        var (mean, variance) = Moments(x, n, d);
        double[] y = Forward(x, n, d, gamma, beta, epsilon, relu);
        var dx = new double[n * d];
        var dGamma = new double[d];
        var dBeta = new double[d];
        for (int j = 0; j < d; j++)
        {
            double std = Math.Sqrt(variance[j] + epsilon);
            double G(int i) => relu && !(y[i * d + j] > 0) ? 0 : dy[i * d + j];
            double dVar = 0, dMean = 0, centredSum = 0;
            for (int i = 0; i < n; i++)
            {
                double c = x[i * d + j] - mean[j], g = G(i);
                dVar += g * gamma[j] * c * -0.5 * Math.Pow(variance[j] + epsilon, -1.5);
                dMean += -g * gamma[j] / std;
                centredSum += -2 * c;
                dGamma[j] += g * c / std;
                dBeta[j] += g;
            }
            dMean += dVar * centredSum / n;
            for (int i = 0; i < n; i++)
            {
                double c = x[i * d + j] - mean[j];
                dx[i * d + j] = G(i) * gamma[j] / std + dVar * 2 * c / n + dMean / n;
            }
        }
        return (dx, dGamma, dBeta);
    }

    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);
}
