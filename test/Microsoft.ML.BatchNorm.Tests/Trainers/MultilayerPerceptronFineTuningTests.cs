using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

/// <summary>
/// Fine-tuning through the public API: <c>Fit(trainData, modelParameters)</c> of the three trainers continues from the
/// model (never changing it), freezes batch normalization when asked, refuses a model that does not fit the data or
/// the options with a message naming what differs, and each epoch reports the train/inference gap.
/// </summary>
[TestClass]
public sealed class MultilayerPerceptronFineTuningTests
{
    private static readonly Lazy<DigitRow[]> DigitRows = new(() => TestDatasets.Digits().Take(300).ToArray());

    // Digits with the label as a key in value order (key k is digit k - 1).
    private static IDataView Digits(MLContext ml, IEnumerable<DigitRow>? rows = null,
        ValueToKeyMappingEstimator.KeyOrdinality ordinality = ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
    {
        var data = ml.Data.LoadFromEnumerable(rows ?? DigitRows.Value);
        return ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ordinality).Fit(data).Transform(data);
    }

    private static MultilayerPerceptronTrainer.Options Options(int epochs = 2) => new()
    {
        HiddenLayerSizes = [16, 8], NumberOfEpochs = epochs, LearningRate = 1e-2f, Seed = 3,
    };

    private static float[][] State(MultilayerPerceptronModelParameters model) =>
    [
        .. model.Layers.SelectMany(l => new[] { l.Weights, l.Bias, l.Gamma, l.Beta, l.RunningMean, l.RunningVariance })
            .Where(a => a is not null).Select(a => a!.ToArray()),
    ];

    [TestMethod]
    public void FineTuningStartsFromTheModelAndNeverChangesIt()
    {
        // Plain SGD keeps no state and one mini-batch per epoch makes the shuffle a reordering of sums: 2 epochs then
        // Fit(data, model) for 1 more is 3 epochs straight, up to float rounding.
        var ml = new MLContext(seed: 1);
        var data = Digits(ml);
        MultilayerPerceptronTrainer.Options Sgd(int epochs) => new()
        {
            HiddenLayerSizes = [16, 8], NumberOfEpochs = epochs, BatchSize = 512, Optimizer = MultilayerPerceptronOptimizer.SgdMomentum,
            Momentum = 0f, LearningRate = 0.1f, Seed = 3,
        };
        var two = new MultilayerPerceptronTrainer(Sgd(2)).Fit(data);
        float[][] before = State(two.Model);
        var continued = new MultilayerPerceptronTrainer(Sgd(1)).Fit(data, two.Model);
        var three = new MultilayerPerceptronTrainer(Sgd(3)).Fit(data);

        float[][] after = State(two.Model);
        for (int i = 0; i < before.Length; i++) CollectionAssert.AreEqual(before[i], after[i], $"the initial model's array {i}");
        Assert.AreNotSame(two.Model, continued.Model);
        float[][] expected = State(three.Model), actual = State(continued.Model);
        for (int i = 0; i < expected.Length; i++)
            Numerics.NumericAssert.Close(expected[i], actual[i], 1e-5, 1e-5, $"array {i}");
        Assert.HasCount(1, continued.Model.History, "the history holds the fine-tuning run's epochs");
        Assert.IsFalse(before[0].SequenceEqual(expected[0]), "the third epoch changed the weights (the test can fail)");
        // The third epoch continues where the second stopped: below the losses of both earlier epochs.
        Assert.IsLessThan(two.Model.History[^1].TrainingLoss, continued.Model.History[0].TrainingLoss);
    }

    [TestMethod]
    [DataRow(MultilayerPerceptronBatchNormalizationFreezing.Statistics)]
    [DataRow(MultilayerPerceptronBatchNormalizationFreezing.StatisticsAndAffine)]
    public void FrozenBatchNormalizationDoesNotMove(MultilayerPerceptronBatchNormalizationFreezing freezing)
    {
        var ml = new MLContext(seed: 1);
        var data = Digits(ml);
        var trained = new MultilayerPerceptronTrainer(Options()).Fit(data);
        var options = Options(3);
        options.BatchNormalizationFreezing = freezing;
        options.BatchSize = 8; // many steps
        var tuned = new MultilayerPerceptronTrainer(options).Fit(data, trained.Model);
        for (int l = 0; l < 2; l++)
        {
            MultilayerPerceptronLayer was = trained.Model.Layers[l], now = tuned.Model.Layers[l];
            CollectionAssert.AreEqual(was.RunningMean!.ToArray(), now.RunningMean!.ToArray(), $"layer {l} running mean");
            CollectionAssert.AreEqual(was.RunningVariance!.ToArray(), now.RunningVariance!.ToArray(), $"layer {l} running variance");
            bool affine = freezing == MultilayerPerceptronBatchNormalizationFreezing.StatisticsAndAffine;
            Assert.AreEqual(affine, was.Gamma!.SequenceEqual(now.Gamma!), $"layer {l} gamma frozen");
            Assert.AreEqual(affine, was.Beta!.SequenceEqual(now.Beta!), $"layer {l} beta frozen");
            Assert.IsFalse(was.Weights.SequenceEqual(now.Weights), $"layer {l} weights train");
        }
        // Training normalizes with the running statistics: the training-mode and inference losses agree.
        foreach (var epoch in tuned.Model.History)
            Assert.AreEqual(epoch.InferenceGap!.InferenceLoss, epoch.InferenceGap.TrainingModeLoss, 1e-5 * epoch.InferenceGap.InferenceLoss);
    }

    [TestMethod]
    public void AModelThatDoesNotFitIsRefusedNamingWhatDiffers()
    {
        var ml = new MLContext(seed: 1);
        var data = Digits(ml);
        var model = new MultilayerPerceptronTrainer(Options(1)).Fit(data).Model;
        void Expect(string fragment, MultilayerPerceptronTrainer.Options options, IDataView on)
        {
            var error = Assert.ThrowsExactly<ArgumentException>(() => new MultilayerPerceptronTrainer(options).Fit(on, model));
            Assert.AreEqual("modelParameters", error.ParamName);
            StringAssert.Contains(error.Message, fragment);
        }
        var options = Options(1);
        options.HiddenLayerSizes = [16];
        Expect("The model's hidden layers are [16, 8]; HiddenLayerSizes is [16]", options, data);
        options = Options(1);
        options.UseBatchNormalization = false;
        Expect("UseBatchNormalization is False", options, data);
        options = Options(1);
        options.BatchNormalizationEpsilon = 1e-3f;
        Expect("BatchNormalizationEpsilon is 0.001", options, data);

        // Other features: the first 32 pixels.
        var half = ml.Data.LoadFromEnumerable(DigitRows.Value.Select(r => new HalfRow { Features = r.Features[..32], Label = r.Label }));
        half = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(half).Transform(half);
        Expect("The model takes 64 features; feature column 'Features' has 32", Options(1), half);
        // Other classes: digits 0-8 only.
        Expect("The model scores 10 classes; label column 'Label' has 9", Options(1), Digits(ml, DigitRows.Value.Where(r => r.Label != 9)));
        // The same classes, numbered differently (keys in the order the digits first occur, not by value).
        Expect("numbers its classes differently from the model", Options(1),
            Digits(ml, DigitRows.Value.Reverse(), ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence));

        Assert.ThrowsExactly<ArgumentNullException>(() => new MultilayerPerceptronTrainer(Options(1)).Fit(data, (MultilayerPerceptronModelParameters)null!));
    }

    private sealed class HalfRow
    {
        [VectorType(32)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    [TestMethod]
    public void AModelOfAnotherTaskIsRefused()
    {
        var ml = new MLContext(seed: 1);
        var cancer = ml.Transforms.BatchNormalize("Features").Fit(TabularDatasets.BreastCancer(ml)).Transform(TabularDatasets.BreastCancer(ml));
        var binary = ml.BinaryClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [8], numberOfEpochs: 1).Fit(cancer).Model;
        var asRegression = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Single).Fit(cancer).Transform(cancer);
        var error = Assert.ThrowsExactly<ArgumentException>(() => new MultilayerPerceptronRegressionTrainer(
            new MultilayerPerceptronRegressionTrainer.Options { HiddenLayerSizes = [8] }).Fit(asRegression, binary));
        StringAssert.Contains(error.Message, "The model is a binary classification network; this trainer fine-tunes regression networks.");
        var digits = Digits(ml);
        var multiclass = new MultilayerPerceptronTrainer(Options(1)).Fit(digits).Model;
        error = Assert.ThrowsExactly<ArgumentException>(() => new MultilayerPerceptronBinaryTrainer(
            new MultilayerPerceptronBinaryTrainer.Options { HiddenLayerSizes = [16, 8] }).Fit(cancer, multiclass));
        StringAssert.Contains(error.Message, "The model is a multiclass classification network; this trainer fine-tunes binary classification networks.");
    }

    [TestMethod]
    public void FreezingNeedsAModelAndRunningAverages()
    {
        var ml = new MLContext(seed: 1);
        var options = Options(1);
        options.BatchNormalizationFreezing = MultilayerPerceptronBatchNormalizationFreezing.Statistics;
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => new MultilayerPerceptronTrainer(options).Fit(Digits(ml)));
        StringAssert.Contains(error.Message, "BatchNormalizationFreezing = Statistics");
        StringAssert.Contains(error.Message, "Fit(trainData, modelParameters)");
        options.InferenceStatistics = MultilayerPerceptronInferenceStatistics.Population;
        var outOfRange = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MultilayerPerceptronTrainer(options));
        Assert.AreEqual("InferenceStatistics", outOfRange.ParamName);
    }

    [TestMethod]
    public void BinaryAndRegressionFineTuneTheirNetworks()
    {
        var ml = new MLContext(seed: 1);
        var cancer = ml.Transforms.BatchNormalize("Features").Fit(TabularDatasets.BreastCancer(ml)).Transform(TabularDatasets.BreastCancer(ml));
        var binaryOptions = new MultilayerPerceptronBinaryTrainer.Options { HiddenLayerSizes = [8], NumberOfEpochs = 1 };
        var binary = new MultilayerPerceptronBinaryTrainer(binaryOptions).Fit(cancer);
        float[][] before = State(binary.Model);
        binaryOptions.BatchNormalizationFreezing = MultilayerPerceptronBatchNormalizationFreezing.StatisticsAndAffine;
        var tunedBinary = new MultilayerPerceptronBinaryTrainer(binaryOptions).Fit(cancer, binary.Model);
        CollectionAssert.AreEqual(before[1], State(binary.Model)[1], "the initial model is unchanged");
        CollectionAssert.AreEqual(binary.Model.Layers[0].Gamma!.ToArray(), tunedBinary.Model.Layers[0].Gamma!.ToArray());
        Assert.IsGreaterThan(0.8, ml.BinaryClassification.Evaluate(tunedBinary.Transform(cancer)).Accuracy);

        // Regression keeps the model's label standardization, even on data whose labels are elsewhere.
        var diabetes = ml.Transforms.BatchNormalize("Features").Fit(TabularDatasets.Diabetes(ml)).Transform(TabularDatasets.Diabetes(ml));
        var regressionOptions = new MultilayerPerceptronRegressionTrainer.Options { HiddenLayerSizes = [8], NumberOfEpochs = 1 };
        var regression = new MultilayerPerceptronRegressionTrainer(regressionOptions).Fit(diabetes);
        var shifted = ml.Transforms.CustomMapping<LabelRow, LabelRow>((input, output) => output.Label = input.Label + 100f, null)
            .Fit(diabetes).Transform(diabetes);
        var tunedRegression = new MultilayerPerceptronRegressionTrainer(regressionOptions).Fit(shifted, regression.Model);
        Assert.AreEqual(regression.LabelMean, tunedRegression.LabelMean);
        Assert.AreEqual(regression.LabelStandardDeviation, tunedRegression.LabelStandardDeviation);
        var fresh = new MultilayerPerceptronRegressionTrainer(regressionOptions).Fit(shifted);
        Assert.AreEqual(regression.LabelMean + 100f, fresh.LabelMean, 1e-3f, "a fresh Fit standardizes with the data's own mean (the test can fail)");
    }

    private sealed class LabelRow
    {
        public float Label { get; set; }
    }

    [TestMethod]
    public void EachEpochReportsTheGapInProgressHistoryAndTheSavedFile()
    {
        var ml = new MLContext(seed: 1);
        var data = Digits(ml);
        var reported = new List<MultilayerPerceptronEpoch>();
        var options = Options(2);
        options.Progress = new Reporter(reported.Add);
        options.InferenceGapSampleSize = 100;
        var model = new MultilayerPerceptronTrainer(options).Fit(data);
        Assert.HasCount(2, reported);
        for (int e = 0; e < 2; e++)
        {
            MultilayerPerceptronInferenceGap gap = reported[e].InferenceGap!;
            Assert.AreSame(gap, model.Model.History[e].InferenceGap);
            Assert.AreEqual(100, gap.SampleRows);
            Assert.HasCount(2, gap.StatisticsDistances);
            Assert.AreEqual(gap.StatisticsDistances.Max(), gap.MaxStatisticsDistance);
            Assert.AreEqual(gap.InferenceLoss - gap.TrainingModeLoss, gap.LossGap);
            Assert.IsTrue(gap.TrainingModeAccuracy is >= 0 and <= 1 && gap.InferenceAccuracy is >= 0 and <= 1);
            StringAssert.Contains(reported[e].ToString(), "inference-mode gap");
        }

        string path = Path.Combine(Path.GetTempPath(), $"mlp-gap-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveWithNetworks(model, data.Schema, path);
            var loaded = MultilayerPerceptronTrainerTests.Network(new MLContext().Model.LoadWithNetworks(path, out _));
            for (int e = 0; e < 2; e++)
            {
                MultilayerPerceptronInferenceGap saved = model.Model.History[e].InferenceGap!, read = loaded.Model.History[e].InferenceGap!;
                Assert.AreEqual(saved.SampleRows, read.SampleRows);
                Assert.AreEqual(saved.TrainingModeLoss, read.TrainingModeLoss);
                Assert.AreEqual(saved.InferenceLoss, read.InferenceLoss);
                Assert.AreEqual(saved.TrainingModeAccuracy, read.TrainingModeAccuracy);
                Assert.AreEqual(saved.InferenceAccuracy, read.InferenceAccuracy);
                CollectionAssert.AreEqual(saved.StatisticsDistances.ToArray(), read.StatisticsDistances.ToArray());
            }
            // A loaded model fine-tunes too: its classes come back from the file.
            var tuned = new MultilayerPerceptronTrainer(Options(1)).Fit(data, loaded.Model);
            Assert.HasCount(1, tuned.Model.History);
            Assert.ThrowsExactly<ArgumentException>(() => new MultilayerPerceptronTrainer(Options(1))
                .Fit(Digits(ml, DigitRows.Value.Reverse(), ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence), loaded.Model));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class Reporter(Action<MultilayerPerceptronEpoch> report) : IProgress<MultilayerPerceptronEpoch>
    {
        public void Report(MultilayerPerceptronEpoch value) => report(value);
    }
}
