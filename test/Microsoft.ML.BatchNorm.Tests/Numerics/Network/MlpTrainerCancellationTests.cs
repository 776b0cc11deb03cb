using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

[TestClass]
public sealed class MlpTrainerCancellationTests
{
    [TestMethod]
    [DataRow(3)]
    [DataRow(20)]
    public void CancellingFromAProgressReportStopsAtThatMiniBatchBoundary(int cancelAfter)
    {
        // 200 rows in mini-batches of 10 and a report after every mini-batch: cancelling in the report of mini-batch
        // `cancelAfter` of epoch 1 (20 is its last one) throws before any further mini-batch, validation or epoch report.
        MlpTestData.Dataset data = MlpTestData.Random(200, 6, 3, seed: 7);
        var settings = new MlpTrainingSettings { HiddenSizes = [8], Epochs = 3, BatchSize = 10, BatchProgressInterval = TimeSpan.Zero };
        using var cts = new CancellationTokenSource();
        var reports = new List<MlpBatchProgress>();
        int epochs = 0;
        var e = Assert.ThrowsExactly<OperationCanceledException>(() => MlpTrainer.Train(data.Features, data.Labels,
            data.RowCount, data.FeatureCount, data.ClassCount, new MlpValidationData(data.Features, data.Labels, [], data.RowCount),
            settings, _ => epochs++, cts.Token, p =>
            {
                reports.Add(p);
                if (reports.Count == cancelAfter) cts.Cancel();
            }));
        Assert.AreEqual(cts.Token, e.CancellationToken);
        Assert.AreEqual(cancelAfter, reports.Count, "no mini-batch ran after the cancelling report");
        Assert.AreEqual(10 * cancelAfter, reports[^1].RowsDone);
        Assert.IsTrue(reports.All(r => r.Epoch == 1));
        Assert.AreEqual(0, epochs, "the epoch was not finished");
    }

    [TestMethod]
    public void ACancelledTokenThrowsBeforeTheFirstMiniBatch()
    {
        MlpTestData.Dataset data = MlpTestData.Random(50, 4, 2, seed: 8);
        int reports = 0;
        Assert.ThrowsExactly<OperationCanceledException>(() => MlpTrainer.Train(data.Features, data.Labels, data.RowCount,
            data.FeatureCount, data.ClassCount, null, new MlpTrainingSettings { HiddenSizes = [4], BatchProgressInterval = TimeSpan.Zero },
            _ => reports++, new CancellationToken(canceled: true), _ => reports++));
        Assert.AreEqual(0, reports);
    }
}
