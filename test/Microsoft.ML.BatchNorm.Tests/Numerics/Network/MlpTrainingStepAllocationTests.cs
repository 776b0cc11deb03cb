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
    public void TrainingStepsWithBatchNormAfterActivationAllocateNothing()
    {
        // 784-256-ReLU-BN-128-ReLU-BN-10: the same kernels without the fused ReLU, plus the ReLU's backward mask.
        const int BatchSize = 32;
        var random = new Random(7);
        MlpNetwork network = MlpNetwork.CreateInitialized(784, [256, 128], 10, true, 1e-5f, random,
            batchNormPlacement: MlpBatchNormPlacement.AfterActivation);
        var pass = new MlpTrainingPass(network, BatchSize);
        for (int i = 0; i < pass.Input.Length; i++) pass.Input[i] = (float)random.NextDouble();
        for (int i = 0; i < BatchSize; i++) pass.Labels[i] = random.Next(10);
        MlpOptimizer optimizer = MlpOptimizer.Create(new MlpTrainingSettings(), pass.Parameters);

        double loss = 0;
        void Step()
        {
            loss = pass.Forward(BatchSize, 0.1f, out _);
            pass.Backward(BatchSize);
            optimizer.Step();
        }

        AllocationAssert.NothingAfterWarmUp(Step, 10, "training steps (batch norm after the activation)");
        Assert.IsTrue(double.IsFinite(loss) && loss < Math.Log(10), $"the steps trained (loss {loss})");
    }

    [TestMethod]
    public void BatchProgressReportsAllocateNothing()
    {
        // 2000 rows in mini-batches of 2, two epochs, a report after each of the 2000 mini-batches: the whole training
        // allocates the same with the reports as without them (any allocation per report would show 2000 times).
        MlpTestData.Dataset data = MlpTestData.Random(2000, 8, 3, seed: 6);
        var settings = new MlpTrainingSettings
        {
            HiddenSizes = [8], Epochs = 2, BatchSize = 2, BatchProgressInterval = TimeSpan.Zero,
        };
        int reports = 0;
        Action<MlpBatchProgress> onBatches = _ => reports++;
        long Allocated(Action<MlpBatchProgress>? callback)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            MlpTrainer.Train(data.Features, data.Labels, data.RowCount, data.FeatureCount, data.ClassCount, null, settings,
                null, CancellationToken.None, callback);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // Rounds, as in AllocationAssert: the JIT may allocate on this thread while it tiers the loop up.
        var differences = new List<long>();
        for (int round = 0; round < 6 && (differences.Count == 0 || differences[^1] > 0); round++)
        {
            long without = Allocated(null);
            reports = 0;
            long with = Allocated(onBatches);
            Assert.AreEqual(2 * 1000, reports);
            differences.Add(with - without);
        }
        Assert.IsTrue(differences[^1] <= 0, $"bytes allocated by 2000 progress reports, per round: {string.Join(", ", differences)}");
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
