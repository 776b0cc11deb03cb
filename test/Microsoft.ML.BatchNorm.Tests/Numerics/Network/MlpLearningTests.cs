using System.Globalization;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>End-to-end learning on small real datasets.</summary>
[TestClass]
public sealed class MlpLearningTests
{
    [TestMethod]
    public void LearnsDigitsToHighHeldOutAccuracy()
    {
        (MlpTestData.Dataset train, MlpTestData.Dataset test) = MlpTestData.Digits().Split(0.2, seed: 42);
        var settings = new MlpTrainingSettings { HiddenSizes = [128, 64], Epochs = 15, BatchSize = 32, Seed = 1 };
        MlpTrainingResult result = MlpTestData.Train(train, settings);
        double accuracy = MlpTestData.Accuracy(result.Network, test);
        Assert.IsTrue(accuracy >= 0.95, $"held-out accuracy {accuracy:F4}");
        Assert.IsTrue(result.History[^1].TrainLoss < result.History[0].TrainLoss / 3, "the training loss falls");
    }

    [TestMethod]
    public void BatchNormTrainsAtAHighLearningRateWhereThePlainNetworkDoesNot()
    {
        // Ioffe and Szegedy 2015, section 3.3: batch normalization allows much higher learning rates.
        (MlpTestData.Dataset train, MlpTestData.Dataset test) = MlpTestData.Digits().Split(0.2, seed: 7);
        MlpTrainingSettings Settings(bool bn) => new()
        {
            HiddenSizes = [64, 64], UseBatchNormalization = bn, Epochs = 5, BatchSize = 32,
            Optimizer = MlpOptimizerKind.SgdMomentum, LearningRate = 0.5f, SgdMomentum = 0.9f, Seed = 3,
        };
        MlpTrainingResult withBn = MlpTestData.Train(train, Settings(true));
        double bnAccuracy = MlpTestData.Accuracy(withBn.Network, test);
        Assert.IsTrue(bnAccuracy > 0.8, $"with batch norm: accuracy {bnAccuracy:F3} (chance 0.1)");
        Assert.IsTrue(withBn.History.All(h => double.IsFinite(h.TrainLoss)));

        double plainAccuracy;
        string outcome;
        try
        {
            MlpTrainingResult plain = MlpTestData.Train(train, Settings(false));
            plainAccuracy = MlpTestData.Accuracy(plain.Network, test);
            outcome = string.Create(CultureInfo.InvariantCulture, $"trained to accuracy {plainAccuracy:F3}");
        }
        catch (InvalidOperationException ex)
        {
            StringAssert.Contains(ex.Message, "diverged");
            plainAccuracy = 0;
            outcome = "diverged: " + ex.Message;
        }
        Assert.IsTrue(plainAccuracy < bnAccuracy - 0.2, $"plain network {outcome}; batch norm {bnAccuracy:F3}");
    }
}
