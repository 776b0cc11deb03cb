using Microsoft.ML.BatchNorm.Samples.FashionMnist;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Samples;

/// <summary>The fixed rules by which the comparison reads the paper's claims off its measurements.</summary>
[TestClass]
public sealed class ComparisonVerdictsTests
{
    private static readonly ComparisonCase Reference = new("Adam 1e-3", Claim.FasterConvergence, MultilayerPerceptronOptimizer.Adam, 1e-3f);
    private static readonly ComparisonCase HighRate = new("SGD 0.5", Claim.HigherLearningRate, MultilayerPerceptronOptimizer.SgdMomentum, 0.5f);
    private static readonly ComparisonCase Scaled = new("x10", Claim.InitialScale, MultilayerPerceptronOptimizer.Adam, 1e-3f, InitialWeightScale: 10f);

    private static ComparisonOutcome Run(ComparisonCase setting, bool batchNorm, double[] accuracy, string? divergence = null) =>
        new(setting, batchNorm, accuracy, divergence, TimeSpan.FromSeconds(1));

    [TestMethod]
    public void ClaimsHoldWhenBatchNormIsFasterStableAndInsensitive()
    {
        var verdicts = ComparisonVerdicts.Describe(
        [
            Run(Reference, true, [0.85, 0.88, 0.89]),
            Run(Reference, false, [0.80, 0.84, 0.86]),
            Run(HighRate, true, [0.82, 0.85, 0.87]),
            Run(HighRate, false, [], "Training diverged at epoch 1, mini-batch 3: the loss is NaN."),
            Run(Scaled, true, [0.84, 0.87, 0.885]),
            Run(Scaled, false, [0.60, 0.70, 0.75]),
        ], margin: 0.01).ToArray();

        Assert.AreEqual(3, verdicts.Length);
        CollectionAssert.AreEqual(new[] { "Faster convergence (Adam 1e-3)", "Higher learning rate (SGD 0.5)", "Insensitive to the initial scale (x10)" },
            verdicts.Select(v => v.Claim).ToArray());
        Assert.IsTrue(verdicts.All(v => v.Held));
        StringAssert.Contains(verdicts[0].Measured, "best test accuracy was 0.8600 (epoch 3); with batch norm it was reached at epoch 2");
        StringAssert.Contains(verdicts[1].Measured, "without batch norm diverged in epoch 1");
        // Means: reference 0.8733 with, 0.8333 without; x10 0.8650 with (-0.0083), 0.6833 without (-0.1500).
        StringAssert.Contains(verdicts[2].Measured, "with batch norm 0.8650 (-0.0083 against weights x1; final 0.8850), without 0.6833 (-0.1500 against weights x1; final 0.7500)");
    }

    [TestMethod]
    public void DifferencesWithinTheMarginAreNoEvidence()
    {
        var verdicts = ComparisonVerdicts.Describe(
        [
            Run(Reference, true, [0.85, 0.88, 0.89]),
            Run(Reference, false, [0.80, 0.84, 0.86]),
            Run(HighRate, true, [0.82, 0.85, 0.875]),
            Run(HighRate, false, [0.82, 0.85, 0.870]),
            Run(Scaled, true, [0.85, 0.88, 0.88]),
            Run(Scaled, false, [0.80, 0.83, 0.84]),
        ], margin: 0.01).ToArray();
        Assert.IsFalse(verdicts[1].Held, "0.875 against 0.870: within the margin");
        Assert.IsFalse(verdicts[2].Held, "mean changes -0.0033 with, -0.0100 without: within the margin");
        Assert.AreEqual(0.0088, ComparisonVerdicts.Margin(0.89, 10000), 1e-4);
        Assert.AreEqual(0.025, ComparisonVerdicts.Margin(0.97, 374), 1e-4);
    }

    [TestMethod]
    public void ClaimsAreNotSeenWhenTheNumbersSayOtherwise()
    {
        var verdicts = ComparisonVerdicts.Describe(
        [
            Run(Reference, true, [0.80, 0.84, 0.86]),
            Run(Reference, false, [0.85, 0.88, 0.89]),
            Run(HighRate, true, [0.80], "Training diverged at epoch 2, mini-batch 1: the loss is NaN."),
            Run(HighRate, false, [0.82, 0.85, 0.87]),
            Run(Scaled, true, [0.60, 0.70, 0.75]),
            Run(Scaled, false, [0.84, 0.87, 0.885]),
        ], margin: 0.01).ToArray();

        StringAssert.Contains(verdicts[0].Measured, "with batch norm it was never reached");
        Assert.IsFalse(verdicts.Any(v => v.Held), string.Join("\n", verdicts));
        StringAssert.Contains(verdicts[1].Measured, "with batch norm diverged in epoch 2");
    }
}
