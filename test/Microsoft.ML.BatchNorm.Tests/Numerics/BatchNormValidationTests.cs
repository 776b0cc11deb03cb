using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>Argument checks, edge cases (one row, constant features, NaN) and the documented conventions.</summary>
[TestClass]
public sealed class BatchNormValidationTests
{
    private static readonly float[] s_gamma = [1f, 2f], s_beta = [0.5f, -0.5f];

    [TestMethod]
    public void OneRowGivesBetaAndZeroGradientsWithoutNaN()
    {
        float[] x = [3f, -4f], y = new float[2], mean = new float[2], variance = new float[2], invStd = new float[2];
        BatchNormKernels.ForwardTraining(x, 1, 2, s_gamma, s_beta, 1e-5f, false, y, mean, variance, invStd);
        CollectionAssert.AreEqual(s_beta, y);
        CollectionAssert.AreEqual(x, mean);
        CollectionAssert.AreEqual(new float[2], variance);
        float[] dx = new float[2], dGamma = new float[2], dBeta = new float[2];
        BatchNormKernels.Backward(x, default, [1f, 2f], 1, 2, s_gamma, mean, invStd, false, dx, dGamma, dBeta);
        CollectionAssert.AreEqual(new float[2], dx);
        CollectionAssert.AreEqual(new float[2], dGamma);
        CollectionAssert.AreEqual(new[] { 1f, 2f }, dBeta);
    }

    [TestMethod]
    public void UpdateRunningStatisticsRefusesOneRow()
    {
        float[] runningMean = new float[2], runningVariance = [1f, 1f];
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            BatchNormKernels.UpdateRunningStatistics(runningMean, runningVariance, [1f, 1f], [0f, 0f], 1, 0.1f));
        Assert.AreEqual("n", e.ParamName);
    }

    [TestMethod]
    public void RunningStatisticsFollowPyTorchsMomentumAndUnbiasedVariance()
    {
        float[] runningMean = [1f, 2f], runningVariance = [1f, 4f];
        BatchNormKernels.UpdateRunningStatistics(runningMean, runningVariance, [3f, -2f], [2f, 0.5f], 5, 0.25f);
        // running = 0.75 running + 0.25 batch; variance corrected by 5 / 4.
        Assert.AreEqual(0.75 * 1 + 0.25 * 3, runningMean[0], 1e-6);
        Assert.AreEqual(0.75 * 2 + 0.25 * -2, runningMean[1], 1e-6);
        Assert.AreEqual(0.75 * 1 + 0.25 * 2 * 5 / 4.0, runningVariance[0], 1e-6);
        Assert.AreEqual(0.75 * 4 + 0.25 * 0.5 * 5 / 4.0, runningVariance[1], 1e-6);
    }

    [TestMethod]
    public void ConstantFeatureNormalizesToBeta()
    {
        float[] x = [7f, 1f, 7f, 2f, 7f, 3f], y = new float[6], mean = new float[2], variance = new float[2], invStd = new float[2];
        BatchNormKernels.ForwardTraining(x, 3, 2, s_gamma, s_beta, 1e-5f, false, y, mean, variance, invStd);
        Assert.AreEqual(0f, variance[0]);
        for (int i = 0; i < 3; i++) Assert.AreEqual(s_beta[0], y[i * 2]);
    }

    [TestMethod]
    public void FusedReluZeroesNegativesAndMasksTheGradient()
    {
        float[] x = [0f, 1f, 2f, 3f], gamma = [1f], beta = [0f], y = new float[4], mean = new float[1], variance = new float[1], invStd = new float[1];
        BatchNormKernels.ForwardTraining(x, 4, 1, gamma, beta, 1e-5f, true, y, mean, variance, invStd);
        Assert.AreEqual(0f, y[0]);
        Assert.AreEqual(0f, y[1]);
        Assert.IsGreaterThan(0f, y[2]);
        float[] dx = new float[4], dGamma = new float[1], dBeta = new float[1];
        BatchNormKernels.Backward(x, y, [5f, 5f, 1f, 1f], 4, 1, gamma, mean, invStd, true, dx, dGamma, dBeta);
        Assert.AreEqual(2f, dBeta[0], "only the rows the ReLU passed contribute");
    }

    [TestMethod]
    public void ShapeAndLengthErrorsNameTheArgument()
    {
        float[] y = new float[4], v = new float[2];
        Assert.AreEqual("n", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            BatchNormKernels.ForwardTraining(new float[4], 0, 2, s_gamma, s_beta, 1e-5f, false, y, v, v, v)).ParamName);
        Assert.AreEqual("d", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            BatchNormKernels.Normalize(new float[4], 2, 0, v, v, v, false, y)).ParamName);
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            BatchNormKernels.ForwardTraining(new float[5], 2, 2, s_gamma, s_beta, 1e-5f, false, y, v, v, v));
        Assert.AreEqual("x", e.ParamName);
        StringAssert.Contains(e.Message, "n * d = 4");
        Assert.AreEqual("gamma", Assert.ThrowsExactly<ArgumentException>(() =>
            BatchNormKernels.ForwardTraining(new float[4], 2, 2, [1f], s_beta, 1e-5f, false, y, v, v, v)).ParamName);
        Assert.AreEqual("y", Assert.ThrowsExactly<ArgumentException>(() =>
            BatchNormKernels.Backward(new float[4], default, new float[4], 2, 2, s_gamma, v, [1f, 1f], true, y, v, v)).ParamName);
        Assert.AreEqual("epsilon", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            BatchNormKernels.ForwardTraining(new float[4], 2, 2, s_gamma, s_beta, 0f, false, y, v, v, v)).ParamName);
        Assert.AreEqual("epsilon", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            BatchNormKernels.ComputeScale(v, s_gamma, float.NaN, new float[2])).ParamName);
        Assert.AreEqual("momentum", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            BatchNormKernels.UpdateRunningStatistics(new float[2], new float[2], v, v, 4, 1.5f)).ParamName);
        Assert.AreEqual("momentum", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            BatchNormKernels.UpdateRunningStatistics(new float[2], new float[2], v, v, 4, float.NaN)).ParamName);
    }

    [TestMethod]
    public void PartialOverlapIsRefusedButInPlaceWorks()
    {
        float[] buffer = new float[10], v = new float[2];
        Assert.AreEqual("y", Assert.ThrowsExactly<ArgumentException>(() =>
            BatchNormKernels.Normalize(buffer.AsSpan(0, 8), 4, 2, v, [1f, 1f], v, false, buffer.AsSpan(2, 8))).ParamName);
        float[] x = [1f, 2f, 3f, 4f];
        BatchNormKernels.Normalize(x, 2, 2, [1f, 1f], [2f, 3f], [0f, 1f], false, x);
        CollectionAssert.AreEqual(new[] { 0f, 4f, 4f, 10f }, x);
    }

    [TestMethod]
    public void NonFiniteInputsThrowInsteadOfProducingNaN()
    {
        float[] y = new float[6], v = new float[2], invStd = new float[2];
        float[] x = [1f, 2f, 3f, float.NaN, 5f, 6f];
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            BatchNormKernels.ForwardTraining(x, 3, 2, s_gamma, s_beta, 1e-5f, false, y, v, v, invStd));
        StringAssert.Contains(e.Message, "feature 1");
        CollectionAssert.AreEqual(new float[6], y, "outputs untouched on error");

        float[] good = [1f, 2f, 3f, 4f, 5f, 6f], mean = new float[2];
        BatchNormKernels.ForwardTraining(good, 3, 2, s_gamma, s_beta, 1e-5f, false, y, mean, v, invStd);
        float[] dy = [0f, 1f, float.PositiveInfinity, 0f, 1f, 1f];
        var b = Assert.ThrowsExactly<ArgumentException>(() =>
            BatchNormKernels.Backward(good, default, dy, 3, 2, s_gamma, mean, invStd, false, new float[6], new float[2], new float[2]));
        StringAssert.Contains(b.Message, "feature 0");
        Assert.AreEqual("variance", Assert.ThrowsExactly<ArgumentException>(() =>
            BatchNormKernels.ComputeScale([1f, -1f], s_gamma, 1e-5f, new float[2])).ParamName);
        Assert.AreEqual("mean", Assert.ThrowsExactly<ArgumentException>(() =>
            BatchNormKernels.Normalize(good, 3, 2, [0f, float.NaN], [1f, 1f], v, false, y)).ParamName);
        Assert.AreEqual("inverseStd", Assert.ThrowsExactly<ArgumentException>(() =>
            BatchNormKernels.Backward(good, default, good, 3, 2, s_gamma, mean, [1f, 0f], false, new float[6], new float[2], new float[2])).ParamName);
    }

    [TestMethod]
    public void NormalizeKeepsMissingValuesMissing()
    {
        float[] x = [float.NaN, 1f], y = new float[2];
        BatchNormKernels.Normalize(x, 1, 2, [0f, 0f], [1f, 1f], [0f, 0f], true, y);
        Assert.IsTrue(float.IsNaN(y[0]));
        Assert.AreEqual(1f, y[1]);
    }
}
