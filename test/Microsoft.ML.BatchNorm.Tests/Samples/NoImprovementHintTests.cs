using Microsoft.ML.BatchNorm.Samples.FashionMnist;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Samples;

[TestClass]
public sealed class NoImprovementHintTests
{
    private static MultilayerPerceptronEpoch Epoch(int epoch, double trainingLoss, double? validationLoss) =>
        new(epoch, trainingLoss, 0.5, validationLoss, validationLoss is null ? null : 0.5, TimeSpan.Zero);

    [TestMethod]
    public void HintsOnceAfterThreeEpochsWithoutALowerValidationLoss()
    {
        var hint = new NoImprovementHint(1e-3f, batchNormalization: true);
        double[] validation = [0.50, 0.40, 0.41, 0.40, 0.45, 0.39, 0.42, 0.43, 0.44, 0.45];
        var hints = validation.Select((v, i) => hint.Next(Epoch(i + 1, 1.0 / (i + 1), v))).ToArray();

        // Best 0.40 at epoch 2 (0.40 at epoch 4 is not lower); epoch 5 is the third without improvement.
        Assert.AreEqual(4, Array.FindIndex(hints, h => h is not null), string.Join(" | ", hints));
        Assert.AreEqual("hint: the validation loss has not improved since epoch 2 (0.4000) while the training loss has: " +
            "over-fitting. --early-stopping 3 stops and keeps epoch 2's model.", hints[4]);
        Assert.AreEqual(1, hints.Count(h => h is not null), "one hint per run");
    }

    [TestMethod]
    public void WithoutValidationTheTrainingLossIsWatched()
    {
        var hint = new NoImprovementHint(1e-3f, batchNormalization: true);
        double[] training = [2.0, 1.5, 1.6, 1.7, 1.8];
        string?[] hints = training.Select((t, i) => hint.Next(Epoch(i + 1, t, null))).ToArray();
        Assert.IsNull(hints[3]);
        Assert.AreEqual("hint: the training loss has not improved since epoch 2 (1.5000): try a lower --learning-rate (now 0.001).", hints[4]);
    }

    [TestMethod]
    public void ANetworkThatDoesNotLearnGetsTheLearningRateHint()
    {
        // SGD at learning rate 5 without batch norm on the digits: the ReLUs die and both losses stay near log(10).
        var hint = new NoImprovementHint(5f, batchNormalization: false);
        (double Training, double Validation)[] losses = [(7838.5, 4.58), (3.06, 2.75), (2.88, 2.94), (2.81, 2.68), (2.66, 2.42), (2.73, 2.85), (2.74, 2.82), (2.78, 3.53)];
        string?[] hints = losses.Select((l, i) => hint.Next(Epoch(i + 1, l.Training, l.Validation))).ToArray();
        Assert.AreEqual(7, Array.FindIndex(hints, h => h is not null), string.Join(" | ", hints));
        Assert.AreEqual("hint: neither the training nor the validation loss has improved since epoch 5: " +
            "try a lower --learning-rate (now 5), or leave out --no-batch-norm.", hints[7]);
    }

    [TestMethod]
    public void NoHintWhileTheLossImproves()
    {
        var hint = new NoImprovementHint(1e-3f, batchNormalization: true);
        for (int e = 1; e <= 20; e++)
            Assert.IsNull(hint.Next(Epoch(e, 1.0 / e, 2.0 / e)));
    }
}
