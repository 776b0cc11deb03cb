using Microsoft.ML.BatchNorm.Samples.FashionMnist;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Tests.Samples;

[TestClass]
public sealed class TrainingProgressBarTests
{
    [TestMethod]
    public void ReportsMoveTheBarOverAllEpochs()
    {
        var bar = new TrainingProgressBar(epochs: 4);
        bar.Report(default);   // before a task is attached: ignored
        var task = new ProgressTask(1, bar.InitialDescription, 100);
        bar.Attach(task);
        Assert.IsTrue(task.IsIndeterminate, "indeterminate while the trainer reads the data");

        // Epoch 2 of 4, 500 of 1000 rows done in 2 s: 1500 of 4000 rows, 250 rows/s, 2500 rows left = 10 s.
        bar.Report(Progress(epoch: 2, rowsDone: 500, rowCount: 1000, loss: 0.25, seconds: 2));

        Assert.IsFalse(task.IsIndeterminate);
        Assert.AreEqual(4000, task.MaxValue);
        Assert.AreEqual(1500, task.Value);
        Assert.AreEqual("epoch 2/4", task.Description);
        Assert.AreEqual(250, task.State.Get<double>(TrainingFiguresColumn.RowsPerSecond), 1e-9);
        Assert.AreEqual(0.25, task.State.Get<double>(TrainingFiguresColumn.Loss));
        Assert.AreEqual(10, task.State.Get<double>(TrainingFiguresColumn.SecondsLeft), 1e-9);

        bar.Complete();
        Assert.IsTrue(task.IsFinished);
    }

    // MultilayerPerceptronBatchProgress is made by the trainer only; its internal constructor takes the numerics' record.
    private static MultilayerPerceptronBatchProgress Progress(int epoch, int rowsDone, int rowCount, double loss, double seconds) =>
        new(new Microsoft.ML.BatchNorm.Numerics.MlpBatchProgress(epoch, rowsDone, rowCount, loss, TimeSpan.FromSeconds(seconds)));
}
