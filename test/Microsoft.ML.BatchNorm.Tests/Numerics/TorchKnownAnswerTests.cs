using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>
/// BatchNormKernels against torch.nn.BatchNorm1d (TestData/batchnorm-torch.json): every step's forward, batch
/// statistics, backward and running statistics (chained from running mean 0 / variance 1, as PyTorch starts),
/// then the eval-mode forward with the final running statistics.
/// </summary>
[TestClass]
public sealed class TorchKnownAnswerTests
{
    // Two float32 implementations summing in different orders agree to a few ulps: 1e-5 relative leaves margin.
    private const double Relative = 1e-5;
    private const double Floor = 1e-6;

    private static readonly string[] s_caseNames = ["small-default", "affine-random", "keras-like-eps", "offset-large-mean"];

    [TestMethod]
    public void ReferenceFileHoldsTheCasesTestedHere()
    {
        CollectionAssert.AreEquivalent(s_caseNames, TorchReference.Instance.Cases.Select(c => c.Name).ToArray(),
            "A case was added to or removed from batchnorm-torch.json: update the DataRows below.");
    }

    [TestMethod]
    [DataRow("small-default")]
    [DataRow("affine-random")]
    [DataRow("keras-like-eps")]
    [DataRow("offset-large-mean")]
    public void TrainingStepsAndEvalMatchTorch(string name)
    {
        TorchCase c = TorchReference.Instance.Case(name);
        int n = c.N, d = c.D;
        Assert.IsNotEmpty(c.Steps, "no steps");
        float[] runningMean = new float[d], runningVariance = Enumerable.Repeat(1f, d).ToArray();
        for (int s = 0; s < c.Steps.Count; s++)
        {
            TorchStep step = c.Steps[s];
            string at = $"{name} step {s}";
            float[] y = new float[n * d], mean = new float[d], variance = new float[d], invStd = new float[d];
            BatchNormKernels.ForwardTraining(step.X, n, d, c.Gamma, c.Beta, c.Epsilon, false, y, mean, variance, invStd);
            float[] dx = new float[n * d], dGamma = new float[d], dBeta = new float[d];
            BatchNormKernels.Backward(step.X, default, step.Dy, n, d, c.Gamma, mean, invStd, false, dx, dGamma, dBeta);
            BatchNormKernels.UpdateRunningStatistics(runningMean, runningVariance, mean, variance, n, c.Momentum);

            // PyTorch rounds the batch mean to float (and, measured on offset-large-mean, is then up to 1 ulp off
            // the correctly rounded mean, which this implementation returns). When |mean| >> std that ulp is not
            // small next to the spread: xhat = (x - mean) * invStd carries an uncertainty u_j = 2 ulp(mean_j) *
            // invStd_j (torch's error plus rounding). The extra tolerances below propagate u_j to each output; they
            // are negligible (< 1e-6) for the other cases, so those are held to 1e-5 relative.
            double[] u = new double[d];
            for (int j = 0; j < d; j++) u[j] = 2 * Ulp(step.BatchMean[j]) * invStd[j];
            double[] meanAbsG = new double[d], meanAbsGXhat = new double[d];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++)
                {
                    double g = Math.Abs(step.Dy[i * d + j]);
                    meanAbsG[j] += g / n;
                    meanAbsGXhat[j] += g * Math.Abs((step.X[i * d + j] - step.BatchMean[j]) * invStd[j]) / n;
                }

            NumericAssert.Close(step.BatchMean, mean, Relative, Floor, $"{at} batch mean");
            NumericAssert.Close(step.BatchVariance, variance, Relative, Floor, $"{at} batch variance");
            // y = gamma xhat + beta: |dy/dxhat| = |gamma|.
            NumericAssert.Close(step.Y, y, Relative, Floor, $"{at} y", i => Math.Abs(c.Gamma[i % d]) * u[i % d]);
            NumericAssert.Close(step.DBeta, dBeta, Relative, Floor, $"{at} dbeta");
            // dgamma = sum g xhat: a shift u of xhat moves it by u sum |g|.
            NumericAssert.Close(step.DGamma, dGamma, Relative, Floor, $"{at} dgamma", j => 2 * u[j] * n * meanAbsG[j]);
            // dx = gamma invStd (g - mean g - xhat mean(g xhat)): a shift u of xhat moves it by at most
            // gamma invStd u (mean|g xhat| + |xhat| mean|g|) to first order; doubled for the second-order terms.
            NumericAssert.Close(step.Dx, dx, Relative, Floor, $"{at} dx", i =>
            {
                int j = i % d;
                double xhat = Math.Abs((step.X[i] - step.BatchMean[j]) * invStd[j]);
                return 2 * Math.Abs(c.Gamma[j]) * invStd[j] * u[j] * (meanAbsGXhat[j] + xhat * meanAbsG[j]);
            });
            NumericAssert.Close(step.RunningMean, runningMean, Relative, Floor, $"{at} running mean");
            NumericAssert.Close(step.RunningVariance, runningVariance, Relative, Floor, $"{at} running variance");
        }

        float[] scale = new float[d];
        BatchNormKernels.ComputeScale(runningVariance, c.Gamma, c.Epsilon, scale);
        int rows = c.Eval.X.Length / d;
        Assert.AreEqual(rows * d, c.Eval.X.Length, "eval x is not a whole number of rows");
        float[] yEval = new float[rows * d];
        BatchNormKernels.Normalize(c.Eval.X, rows, d, runningMean, scale, c.Beta, false, yEval);
        NumericAssert.Close(c.Eval.Y, yEval, Relative, Floor, $"{name} eval y");
    }

    [TestMethod]
    public void LargeMeanForwardAndBackwardAreAccurateToFloatPrecision()
    {
        // The exact (double) mean, not its float rounding, centres y and the gradients: compare with a double
        // reference on the same float inputs, far tighter than the torch comparison above can be.
        TorchCase c = TorchReference.Instance.Case("offset-large-mean");
        int n = c.N, d = c.D;
        double[] gamma = BatchNormReference.ToDouble(c.Gamma), beta = BatchNormReference.ToDouble(c.Beta);
        foreach (TorchStep step in c.Steps)
        {
            float[] y = new float[n * d], mean = new float[d], variance = new float[d], invStd = new float[d];
            BatchNormKernels.ForwardTraining(step.X, n, d, c.Gamma, c.Beta, c.Epsilon, false, y, mean, variance, invStd);
            float[] dx = new float[n * d], dGamma = new float[d], dBeta = new float[d];
            BatchNormKernels.Backward(step.X, default, step.Dy, n, d, c.Gamma, mean, invStd, false, dx, dGamma, dBeta);
            double[] x = BatchNormReference.ToDouble(step.X);
            var (exactMean, exactVariance) = BatchNormReference.Moments(x, n, d);
            NumericAssert.Close(exactMean, mean, 1e-7, 0, "mean (correctly rounded to float)");
            NumericAssert.Close(exactVariance, variance, 1e-6, 0, "biased variance");
            NumericAssert.Close(BatchNormReference.Forward(x, n, d, gamma, beta, c.Epsilon, false), y, 1e-5, 1e-6, "y");
            var (exactDx, exactDGamma, exactDBeta) =
                BatchNormReference.Backward(x, BatchNormReference.ToDouble(step.Dy), n, d, gamma, beta, c.Epsilon, false);
            NumericAssert.Close(exactDBeta, dBeta, 1e-5, 1e-6, "dbeta");
            NumericAssert.Close(exactDGamma, dGamma, 1e-5, 1e-5, "dgamma");
            NumericAssert.Close(exactDx, dx, 1e-5, 1e-5, "dx");
        }
    }

    private static double Ulp(float value) => MathF.BitIncrement(Math.Abs(value)) - Math.Abs(value);
}
