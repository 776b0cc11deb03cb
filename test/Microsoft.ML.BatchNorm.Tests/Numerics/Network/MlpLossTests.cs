using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>Known answers of the binary and regression losses, worked out by hand from their definitions.</summary>
[TestClass]
public sealed class MlpLossTests
{
    [TestMethod]
    public void SigmoidCrossEntropyKnownAnswersAndStability()
    {
        // z = 0: loss log 2 for either label, gradient (0.5 - y) / n. z = +-100: exp(100) would overflow a float;
        // the stable form gives 100 for the wrong label and ~e^-100 (0 in double) for the right one.
        float[] logits = [0f, 0f, 100f, -100f, 100f, 2f];
        int[] labels = [1, 0, 0, 1, 1, 1];
        var gradient = new float[6];
        double sum = SigmoidCrossEntropy.ForwardBackward(logits, labels, 6, gradient, out int correct);
        double expected = 2 * Math.Log(2) + 100 + 100 + 0 + Math.Log(1 + Math.Exp(-2));
        Assert.AreEqual(expected, sum, 1e-9);
        Assert.AreEqual(3, correct, "z = 100 with y = 1 and z = 2 with y = 1 are right; z = 0 counts as class 0, so y = 0 there is right");
        Assert.AreEqual(-0.5f / 6, gradient[0], 1e-7f);
        Assert.AreEqual(0.5f / 6, gradient[1], 1e-7f);
        Assert.AreEqual(1f / 6, gradient[2], 1e-7f);
        Assert.AreEqual(-1f / 6, gradient[3], 1e-7f);
        Assert.AreEqual(0f, gradient[4], 1e-7f);
        Assert.AreEqual((float)((1 / (1 + Math.Exp(-2)) - 1) / 6), gradient[5], 1e-7f);
        Assert.AreEqual(expected, SigmoidCrossEntropy.Loss(logits, labels, 6, out int again), 1e-9);
        Assert.AreEqual(correct, again);
        Assert.AreEqual(1f, SigmoidCrossEntropy.Sigmoid(100f));
        Assert.AreEqual(0f, SigmoidCrossEntropy.Sigmoid(-200f));
        Assert.IsTrue(float.IsNaN(SigmoidCrossEntropy.Sigmoid(float.NaN)));
    }

    [TestMethod]
    public void SquaredErrorAndHuberKnownAnswers()
    {
        float[] outputs = [1f, 0f, 3f, -2f];
        float[] targets = [0f, 0.25f, 0f, 0f];
        var gradient = new float[4];
        // Residuals 1, -0.25, 3, -2 over n = 2 rows of 2 outputs.
        Assert.AreEqual(1 + 0.0625 + 9 + 4, SquaredError.ForwardBackward(outputs, targets, 4, 2, gradient), 1e-12);
        CollectionAssert.AreEqual(new[] { 1f, -0.25f, 3f, -2f }, gradient, "2 r / n with n = 2");
        Assert.AreEqual(14.0625, SquaredError.Loss(outputs, targets, 4), 1e-12);

        // delta 1: |r| <= 1 gives r^2 / 2 (1 -> 0.5, 0.25 -> 0.03125); beyond, |r| - 0.5 (3 -> 2.5, 2 -> 1.5).
        Assert.AreEqual(0.5 + 0.03125 + 2.5 + 1.5, HuberLoss.ForwardBackward(outputs, targets, 4, 2, 1f, gradient), 1e-12);
        CollectionAssert.AreEqual(new[] { 0.5f, -0.125f, 0.5f, -0.5f }, gradient, "clamp(r, -delta, delta) / n");
        Assert.AreEqual(4.53125, HuberLoss.Loss(outputs, targets, 4, 1f), 1e-12);
        // A larger delta turns it into half the squared error.
        Assert.AreEqual(14.0625 / 2, HuberLoss.Loss(outputs, targets, 4, 10f), 1e-12);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MlpLoss(MlpLossKind.Huber, 0f));
    }
}
