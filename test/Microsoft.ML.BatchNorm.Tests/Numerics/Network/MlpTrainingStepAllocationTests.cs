using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

[TestClass]
public sealed class MlpTrainingStepAllocationTests
{
    [TestMethod]
    [DataRow(32)]
    [DataRow(256)]
    public void TrainingStepsAllocateNothing(int batchSize)
    {
        // The benchmark network (784-256-BN-ReLU-128-BN-ReLU-10) and a full step: forward, backward, Adam. At 256 rows
        // the products are split over the cores, so this also covers the worker pool's bookkeeping.
        var random = new Random(5);
        MlpNetwork network = MlpNetwork.CreateInitialized(784, [256, 128], 10, true, 1e-5f, random);
        var pass = new MlpTrainingPass(network, batchSize);
        for (int i = 0; i < pass.Input.Length; i++) pass.Input[i] = (float)random.NextDouble();
        for (int i = 0; i < batchSize; i++) pass.Labels[i] = random.Next(10);
        MlpOptimizer optimizer = MlpOptimizer.Create(new MlpTrainingSettings(), pass.Parameters);

        double loss = 0;
        void Step()
        {
            loss = pass.Forward(batchSize, 0.1f, out _);
            pass.Backward(batchSize);
            optimizer.Step();
        }

        AllocationAssert.NothingAfterWarmUp(Step, 10, "training steps");
        Assert.IsTrue(double.IsFinite(loss) && loss < Math.Log(10), $"the steps trained (loss {loss})");
    }

    [TestMethod]
    [DataRow((int)MlpLossKind.SigmoidCrossEntropy)]
    [DataRow((int)MlpLossKind.SquaredError)]
    [DataRow((int)MlpLossKind.Huber)]
    public void TrainingStepsOfTheBinaryAndRegressionLossesAllocateNothing(int lossKind)
    {
        var kind = (MlpLossKind)lossKind;
        var random = new Random(6);
        MlpNetwork network = MlpNetwork.CreateInitialized(64, [32, 16], 1, true, 1e-5f, random);
        const int BatchSize = 32;
        var pass = new MlpTrainingPass(network, BatchSize, new MlpLoss(kind));
        for (int i = 0; i < pass.Input.Length; i++) pass.Input[i] = (float)random.NextDouble();
        for (int i = 0; i < BatchSize; i++)
        {
            pass.Labels[i] = random.Next(2);
            pass.Targets[i] = (float)random.NextDouble();
        }
        MlpOptimizer optimizer = MlpOptimizer.Create(new MlpTrainingSettings(), pass.Parameters);
        double first = pass.Forward(BatchSize, 0.1f, out _), loss = first;
        void Step()
        {
            loss = pass.Forward(BatchSize, 0.1f, out _);
            pass.Backward(BatchSize);
            optimizer.Step();
        }

        AllocationAssert.NothingAfterWarmUp(Step, 10, $"{kind} training steps");
        Assert.IsTrue(double.IsFinite(loss) && loss < first, $"the steps trained ({first} -> {loss})");
    }
}
