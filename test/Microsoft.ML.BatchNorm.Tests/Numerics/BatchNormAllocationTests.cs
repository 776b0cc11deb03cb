using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

[TestClass]
public sealed class BatchNormAllocationTests
{
    [TestMethod]
    public void SmallBatchCallsAllocateNothing()
    {
        const int n = 32, d = 256;
        var random = new Random(3);
        float[] x = Enumerable.Range(0, n * d).Select(_ => (float)random.NextDouble()).ToArray();
        float[] dy = Enumerable.Range(0, n * d).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] y = new float[n * d], dx = new float[n * d];
        float[] gamma = Enumerable.Repeat(1f, d).ToArray(), beta = new float[d];
        float[] mean = new float[d], variance = new float[d], inverse = new float[d], dGamma = new float[d], dBeta = new float[d];
        float[] runningMean = new float[d], runningVariance = Enumerable.Repeat(1f, d).ToArray();

        void Step()
        {
            BatchNormKernels.ForwardTraining(x, n, d, gamma, beta, 1e-5f, true, y, mean, variance, inverse);
            BatchNormKernels.Backward(x, y, dy, n, d, gamma, mean, inverse, true, dx, dGamma, dBeta);
            BatchNormKernels.UpdateRunningStatistics(runningMean, runningVariance, mean, variance, n, 0.1f);
            BatchNormKernels.Normalize(x, n, d, runningMean, inverse, beta, true, y);
        }

        AllocationAssert.NothingAfterWarmUp(Step, 50, "calls");
    }
}
