using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>
/// Training from an initial network (fine-tuning) in the numerics: the copy, continuing a run, frozen batch
/// normalization's invariants and the shape checks.
/// </summary>
[TestClass]
public sealed class MlpFineTuningTests
{
    private static MlpTrainingSettings Settings() => new()
    {
        HiddenSizes = [7, 5], Epochs = 2, BatchSize = 8, Seed = 6, LearningRate = 1e-2f,
    };

    private static MlpTrainingResult FineTune(MlpTestData.Dataset data, MlpTrainingSettings settings, MlpNetwork initial) =>
        MlpTrainer.Train(data.Features, data.Labels, [], data.RowCount, data.FeatureCount, data.ClassCount, null, settings,
            null, CancellationToken.None, null, initial);

    private static List<float[]> Copy(MlpNetwork network) => network.StateArrays().ConvertAll(a => (float[])a.Clone());

    [TestMethod]
    [DataRow(MlpBatchNormFreezingCase.None)]
    [DataRow(MlpBatchNormFreezingCase.Statistics)]
    [DataRow(MlpBatchNormFreezingCase.StatisticsAndAffine)]
    public void FreezingKeepsWhatItSaysBitForBitAndTrainsTheRest(MlpBatchNormFreezingCase freezingCase)
    {
        var freezing = (MlpBatchNormFreezing)freezingCase;
        MlpTestData.Dataset data = MlpTestData.Random(80, 6, 3, seed: 31);
        MlpNetwork trained = MlpTestData.Train(data, Settings()).Network;
        List<float[]> untouched = Copy(trained);
        // Other rows, a momentum that would move the statistics a lot, 3 epochs of 10 steps.
        MlpTestData.Dataset other = MlpTestData.Random(80, 6, 3, seed: 32);
        MlpTrainingSettings settings = Settings();
        settings.Epochs = 3;
        settings.BatchNormMomentum = 0.5f;
        settings.BatchNormFreezing = freezing;
        MlpNetwork tuned = FineTune(other, settings, trained).Network;

        // The initial network is never changed.
        List<float[]> after = trained.StateArrays();
        for (int i = 0; i < untouched.Count; i++) CollectionAssert.AreEqual(untouched[i], after[i], $"initial state array {i}");
        Assert.AreNotSame(trained.Layers[0].Weights, tuned.Layers[0].Weights);
        for (int l = 0; l < tuned.Layers.Count; l++)
        {
            MlpLayer was = trained.Layers[l], now = tuned.Layers[l];
            Assert.IsFalse(was.Weights.SequenceEqual(now.Weights), $"layer {l}: the weights train in every mode");
            if (!now.HasBatchNorm) continue;
            bool statisticsFrozen = freezing != MlpBatchNormFreezing.None;
            bool affineFrozen = freezing == MlpBatchNormFreezing.StatisticsAndAffine;
            Assert.AreEqual(statisticsFrozen, was.RunningMean!.SequenceEqual(now.RunningMean!), $"layer {l} running mean");
            Assert.AreEqual(statisticsFrozen, was.RunningVariance!.SequenceEqual(now.RunningVariance!), $"layer {l} running variance");
            Assert.AreEqual(affineFrozen, was.Gamma!.SequenceEqual(now.Gamma!), $"layer {l} gamma");
            Assert.AreEqual(affineFrozen, was.Beta!.SequenceEqual(now.Beta!), $"layer {l} beta");
        }
    }

    [TestMethod]
    public void ContinuingARunMatchesTrainingStraightThroughWithAStatelessOptimizer()
    {
        // Plain SGD (momentum 0) keeps no state, and with one mini-batch of all rows per epoch the shuffle changes only
        // the order of sums: 2 epochs, then 1 more from that network, is 3 epochs straight up to float rounding. (With
        // Adam the continuation restarts the moment estimates and the bias correction, and differs.)
        MlpTestData.Dataset data = MlpTestData.Random(48, 6, 3, seed: 33);
        MlpTrainingSettings Sgd(int epochs) => new()
        {
            HiddenSizes = [7, 5], Epochs = epochs, BatchSize = 64, Seed = 6, LearningRate = 0.1f,
            Optimizer = MlpOptimizerKind.SgdMomentum, SgdMomentum = 0f,
        };
        MlpNetwork two = MlpTestData.Train(data, Sgd(2)).Network;
        MlpTrainingResult continued = FineTune(data, Sgd(1), two);
        MlpNetwork three = MlpTestData.Train(data, Sgd(3)).Network;
        List<float[]> expected = three.StateArrays(), actual = continued.Network.StateArrays();
        for (int i = 0; i < expected.Count; i++)
            NumericAssert.Close(expected[i], actual[i], 1e-5, 1e-5, $"state array {i}");
        Assert.HasCount(1, continued.History);
        Assert.IsFalse(two.Layers[0].Weights.SequenceEqual(three.Layers[0].Weights), "the third epoch changed something (the test can fail)");
    }

    [TestMethod]
    public void AnInitialNetworkOfAnotherShapeIsRefused()
    {
        MlpTestData.Dataset data = MlpTestData.Random(40, 6, 3, seed: 34);
        MlpNetwork trained = MlpTestData.Train(data, Settings()).Network;
        void Expect(string fragment, Action<MlpTrainingSettings> change, MlpTestData.Dataset? on = null)
        {
            MlpTrainingSettings settings = Settings();
            change(settings);
            MlpTestData.Dataset d = on ?? data;
            var error = Assert.ThrowsExactly<ArgumentException>(() => MlpTrainer.Train(d.Features, d.Labels, [], d.RowCount,
                d.FeatureCount, d.ClassCount, null, settings, null, CancellationToken.None, null, trained));
            Assert.AreEqual("initialNetwork", error.ParamName);
            StringAssert.Contains(error.Message, fragment);
        }
        Expect("hidden sizes are [7, 5]; HiddenSizes is [7, 4]", s => s.HiddenSizes = [7, 4]);
        Expect("UseBatchNormalization is False", s => s.UseBatchNormalization = false);
        Expect("BatchNormEpsilon is 0.001", s => s.BatchNormEpsilon = 1e-3f);
        Expect("places batch normalization BeforeActivation; BatchNormPlacement is AfterActivation", s => s.BatchNormPlacement = MlpBatchNormPlacement.AfterActivation);
        Expect("takes 6 features; the data has 5", _ => { }, MlpTestData.Random(40, 5, 3, seed: 35));
        Expect("has 3 outputs; the training needs 4", _ => { }, MlpTestData.Random(40, 6, 4, seed: 36));
    }

    [TestMethod]
    public void FrozenStatisticsCannotBeRecomputedAfterTraining()
    {
        var settings = new MlpTrainingSettings
        {
            BatchNormFreezing = MlpBatchNormFreezing.Statistics, InferenceStatistics = MlpInferenceStatistics.Population,
        };
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(settings.Validate);
        Assert.AreEqual(nameof(MlpTrainingSettings.InferenceStatistics), error.ParamName);
    }

    [TestMethod]
    public void FrozenStatisticsRefuseBatchRenormalizationAndVirtualBatches()
    {
        var renorm = new MlpTrainingSettings { BatchNormFreezing = MlpBatchNormFreezing.Statistics, BatchRenormalization = new MlpBatchRenormalization() };
        Assert.AreEqual(nameof(MlpTrainingSettings.BatchRenormalization),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(renorm.Validate).ParamName);
        var ghost = new MlpTrainingSettings { BatchNormFreezing = MlpBatchNormFreezing.StatisticsAndAffine, VirtualBatchSize = 4 };
        Assert.AreEqual(nameof(MlpTrainingSettings.VirtualBatchSize),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(ghost.Validate).ParamName);
        ghost.BatchNormFreezing = MlpBatchNormFreezing.None;
        ghost.Validate();
    }
}

/// <summary>MlpBatchNormFreezing is internal; the data rows of a public test method take this public copy.</summary>
public enum MlpBatchNormFreezingCase
{
    None = MlpBatchNormFreezing.None,
    Statistics = MlpBatchNormFreezing.Statistics,
    StatisticsAndAffine = MlpBatchNormFreezing.StatisticsAndAffine,
}
