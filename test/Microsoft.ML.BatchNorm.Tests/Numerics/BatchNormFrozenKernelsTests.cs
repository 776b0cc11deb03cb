using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>
/// The frozen-statistics kernels (fine-tuning): the forward is the inference transform with the running statistics,
/// the backward is the gradient of that fixed affine map, checked by central finite differences of a double forward
/// written here, independent of the kernels.
/// </summary>
[TestClass]
public sealed class BatchNormFrozenKernelsTests
{
    private const double Step = 1e-5;

    [TestMethod]
    [DataRow(false, 6, 5)]
    [DataRow(true, 6, 5)]
    [DataRow(true, 13, 11)]
    [DataRow(true, 700, 600)] // n * d above BatchNormLoops.ParallelThreshold: the row-chunked path
    public void ForwardIsTheInferenceTransformWithTheRunningStatistics(bool relu, int n, int d)
    {
        var random = new Random(4321 + n + d);
        float[] x = BatchNormGradientTests.Values(random, n * d, 2f, 0.5f);
        float[] gamma = BatchNormGradientTests.Values(random, d, 0.5f, 1f), beta = BatchNormGradientTests.Values(random, d, 0.5f, 0.2f);
        float[] runningMean = BatchNormGradientTests.Values(random, d, 0.5f, 0.3f);
        float[] runningVariance = BatchNormGradientTests.Values(random, d, 0.5f, 1.2f);
        float[] meanBefore = (float[])runningMean.Clone(), varianceBefore = (float[])runningVariance.Clone();
        const float epsilon = 1e-3f;

        float[] y = new float[n * d], batchMean = new float[d], batchVariance = new float[d], inverseStd = new float[d];
        BatchNormKernels.ForwardFrozen(x, n, d, gamma, beta, runningMean, runningVariance, epsilon, relu, y, batchMean,
            batchVariance, inverseStd);

        // Bit for bit Algorithm 2's Normalize with ComputeScale's factor: the same map as inference.
        float[] scale = new float[d], expected = new float[n * d];
        BatchNormKernels.ComputeScale(runningVariance, gamma, epsilon, scale);
        BatchNormKernels.Normalize(x, n, d, runningMean, scale, beta, relu, expected);
        CollectionAssert.AreEqual(expected, y, "y");
        // The diagnostics are the batch's own statistics, bit for bit those of the training forward.
        float[] trainY = new float[n * d], trainMean = new float[d], trainVariance = new float[d], trainInverse = new float[d];
        BatchNormKernels.ForwardTraining(x, n, d, gamma, beta, epsilon, relu, trainY, trainMean, trainVariance, trainInverse);
        CollectionAssert.AreEqual(trainMean, batchMean, "batch mean");
        CollectionAssert.AreEqual(trainVariance, batchVariance, "batch variance");
        for (int j = 0; j < d; j++)
            Assert.AreEqual((float)(1 / Math.Sqrt(runningVariance[j] + (double)epsilon)), inverseStd[j], $"inverseStd[{j}]");
        // The running statistics are read, never written.
        CollectionAssert.AreEqual(meanBefore, runningMean);
        CollectionAssert.AreEqual(varianceBefore, runningVariance);
        Assert.IsFalse(trainY.SequenceEqual(y), "the batch statistics give something else (the test can fail)");
    }

    [TestMethod]
    [DataRow(false, 6, 5)]
    [DataRow(true, 6, 5)]
    [DataRow(false, 13, 11)]
    [DataRow(true, 13, 11)]
    public void BackwardMatchesFiniteDifferences(bool relu, int n, int d)
    {
        var random = new Random(8765 + n * 31 + d + (relu ? 7 : 0));
        float[] x = BatchNormGradientTests.Values(random, n * d, 2f, 0.5f), dy = BatchNormGradientTests.Values(random, n * d, 1f, 0f);
        float[] gamma = BatchNormGradientTests.Values(random, d, 0.5f, 1f), beta = BatchNormGradientTests.Values(random, d, 0.5f, 0.2f);
        float[] runningMean = BatchNormGradientTests.Values(random, d, 0.5f, 0.3f);
        float[] runningVariance = BatchNormGradientTests.Values(random, d, 0.5f, 1.2f);
        const float epsilon = 1e-3f;

        float[] y = new float[n * d], batchMean = new float[d], batchVariance = new float[d], inverseStd = new float[d];
        BatchNormKernels.ForwardFrozen(x, n, d, gamma, beta, runningMean, runningVariance, epsilon, relu, y, batchMean,
            batchVariance, inverseStd);
        float[] dx = new float[n * d], dGamma = new float[d], dBeta = new float[d];
        BatchNormKernels.BackwardFrozen(x, relu ? y : default, dy, n, d, gamma, runningMean, inverseStd, relu, dx, dGamma, dBeta);

        double[] xd = BatchNormReference.ToDouble(x), dyd = BatchNormReference.ToDouble(dy);
        double[] gd = BatchNormReference.ToDouble(gamma), bd = BatchNormReference.ToDouble(beta);
        // L = sum(dy * y) with y = gamma (x - runningMean) / sqrt(runningVariance + eps) + beta (then ReLU), in double.
        double Loss()
        {
            double loss = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < d; j++)
                {
                    double v = gd[j] * (xd[i * d + j] - runningMean[j]) / Math.Sqrt(runningVariance[j] + (double)epsilon) + bd[j];
                    loss += dyd[i * d + j] * (relu ? Math.Max(0, v) : v);
                }
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

        NumericAssert.Close(Numeric(xd), dx, 1e-4, 1e-4, $"dx (relu {relu})");
        NumericAssert.Close(Numeric(gd), dGamma, 1e-4, 1e-4, $"dgamma (relu {relu})");
        NumericAssert.Close(Numeric(bd), dBeta, 1e-4, 1e-4, $"dbeta (relu {relu})");
        if (relu)
            Assert.IsTrue(y.Any(v => v == 0) && y.Any(v => v > 0), "the data should exercise both sides of the ReLU");
    }

    [TestMethod]
    public void NonFiniteInputsThrowAndLeaveTheOutputsUntouched()
    {
        const int n = 4, d = 3;
        float[] x = new float[n * d], gamma = [1, 1, 1], beta = [0, 0, 0], mean = [0, 0, 0], variance = [1, -1, 1];
        float[] y = Enumerable.Repeat(7f, n * d).ToArray(), bm = new float[d], bv = new float[d], inv = new float[d];
        var error = Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.ForwardFrozen(x, n, d, gamma, beta, mean, variance, 1e-5f, true, y, bm, bv, inv));
        StringAssert.Contains(error.Message, "runningVariance[1]");
        Assert.IsTrue(y.All(v => v == 7f), "y untouched");
        variance[1] = 1;
        x[5] = float.NaN;
        Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.ForwardFrozen(x, n, d, gamma, beta, mean, variance, 1e-5f, true, y, bm, bv, inv));
        Assert.IsTrue(y.All(v => v == 7f), "y untouched");
    }
}
