using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

[TestClass]
public sealed class MultilayerPerceptronTrainerTests
{
    private static readonly Lazy<DigitRow[]> DigitRows = new(TestDatasets.Digits);

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public float PredictedDigit { get; set; }
    }

    internal static MultilayerPerceptronPredictionTransformer Network(ITransformer model)
        => ((IEnumerable<ITransformer>)model).OfType<MultilayerPerceptronPredictionTransformer>().Single();

    internal static IEstimator<ITransformer> DigitsPipeline(MLContext ml, MultilayerPerceptronTrainer.Options options)
        => ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.MultilayerPerceptron(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel"));

    [TestMethod]
    public void DigitsReachesAccuracyInSeconds()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestDatasets.Split(DigitRows.Value);
        var epochs = new List<MultilayerPerceptronEpoch>();
        var options = new MultilayerPerceptronTrainer.Options
        {
            HiddenLayerSizes = [128, 64],
            NumberOfEpochs = 15,
            Progress = new SynchronousProgress<MultilayerPerceptronEpoch>(epochs.Add),
        };
        var model = DigitsPipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(train));
        var scored = model.Transform(ml.Data.LoadFromEnumerable(test));
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.IsTrue(metrics.MicroAccuracy >= 0.95, $"test accuracy {metrics.MicroAccuracy}");
        Assert.IsTrue(metrics.LogLoss < 0.3, $"log-loss {metrics.LogLoss}");

        Assert.AreEqual(15, epochs.Count, "one progress report per epoch");
        CollectionAssert.AreEqual(Enumerable.Range(1, 15).ToArray(), epochs.Select(e => e.Epoch).ToArray());
        Assert.IsTrue(epochs[^1].TrainingLoss < epochs[0].TrainingLoss, "the training loss decreases");

        var mlp = Network(model);
        Assert.AreEqual(15, mlp.Model.History.Count);
        Assert.AreEqual(64, mlp.Model.InputSize);
        Assert.AreEqual(10, mlp.Model.ClassCount);
        Assert.AreEqual(3, mlp.Model.Layers.Count);
        var first = mlp.Model.Layers[0];
        Assert.AreEqual(128 * 64, first.Weights.Count);
        Assert.IsNull(first.Bias, "no bias before batch normalization");
        Assert.AreEqual(128, first.Gamma!.Count);
        Assert.IsTrue(first.RunningVariance!.All(v => v > 0 && float.IsFinite(v)));
        Assert.IsFalse(mlp.Model.Layers[2].HasBatchNormalization);
        Assert.AreEqual(10, mlp.Model.Layers[2].Bias!.Count);

        // PredictedLabel maps back to the original digit and agrees with the arg-max of Score.
        var predictions = ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).ToArray();
        for (int i = 0; i < predictions.Length; i++)
        {
            Assert.AreEqual(10, predictions[i].Score.Length);
            Assert.AreEqual(1.0, predictions[i].Score.Sum(), 1e-4, "Score holds probabilities");
        }
        double agree = predictions.Zip(test).Count(p => p.First.PredictedDigit == p.Second.Label) / (double)test.Length;
        Assert.AreEqual(metrics.MicroAccuracy, agree, 1e-9, "PredictedLabel carries the label's key values");
    }

    [TestMethod]
    public void PredictionEngineMatchesTransform()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestDatasets.Split(DigitRows.Value);
        var model = DigitsPipeline(ml, new MultilayerPerceptronTrainer.Options { HiddenLayerSizes = [32], NumberOfEpochs = 2 })
            .Fit(ml.Data.LoadFromEnumerable(train));
        var batch = ml.Data.CreateEnumerable<Prediction>(model.Transform(ml.Data.LoadFromEnumerable(test)), reuseRowObject: false).ToArray();
        var engine = ml.Model.CreatePredictionEngine<DigitRow, Prediction>(model);
        for (int i = 0; i < 20; i++)
        {
            var single = engine.Predict(test[i]);
            Assert.AreEqual(batch[i].PredictedDigit, single.PredictedDigit);
            for (int k = 0; k < 10; k++)
                Assert.AreEqual(batch[i].Score[k], single.Score[k], 1e-6f);
        }
    }

    [TestMethod]
    public void SameSeedGivesIdenticalModels()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(DigitRows.Value.Take(300).ToArray());
        float[] Weights(int seed) => Network(DigitsPipeline(ml,
                new MultilayerPerceptronTrainer.Options { HiddenLayerSizes = [16], NumberOfEpochs = 2, Seed = seed })
            .Fit(data)).Model.Layers[0].Weights.ToArray();
        CollectionAssert.AreEqual(Weights(7), Weights(7));
        CollectionAssert.AreNotEqual(Weights(7), Weights(8));
    }

    [TestMethod]
    public void ValidationFractionReportsValidationFigures()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(DigitRows.Value.Take(600).ToArray());
        var model = Network(DigitsPipeline(ml, new MultilayerPerceptronTrainer.Options
        {
            HiddenLayerSizes = [32], NumberOfEpochs = 30, ValidationFraction = 0.2, EarlyStoppingPatience = 2,
        }).Fit(data));
        var history = model.Model.History;
        Assert.IsTrue(history.All(e => e.ValidationLoss is double v && double.IsFinite(v) && e.ValidationAccuracy is >= 0 and <= 1));
        Assert.IsTrue(history.Count >= 3 && history.Count <= 30);
    }

    [TestMethod]
    public void BatchProgressReportsEachEpochUpToItsLastRow()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(DigitRows.Value.Take(500).ToArray());
        var batches = new List<MultilayerPerceptronBatchProgress>();
        var epochs = new List<MultilayerPerceptronEpoch>();
        var options = new MultilayerPerceptronTrainer.Options
        {
            HiddenLayerSizes = [16], NumberOfEpochs = 3, ValidationFraction = 0.2,
            BatchProgress = new SynchronousProgress<MultilayerPerceptronBatchProgress>(batches.Add),
            Progress = new SynchronousProgress<MultilayerPerceptronEpoch>(epochs.Add),
        };
        DigitsPipeline(ml, options).Fit(data);

        Assert.AreEqual(3, epochs.Count);
        int rowCount = batches[0].RowCount;
        Assert.IsTrue(rowCount is >= 350 and <= 450, $"the 80 % not held out for validation: {rowCount} of 500 rows");
        foreach (var epoch in epochs)
        {
            var last = batches.Last(b => b.Epoch == epoch.Epoch);
            Assert.AreEqual(rowCount, last.RowsDone, $"epoch {epoch.Epoch} ends with every row done");
            Assert.AreEqual(epoch.TrainingLoss, last.TrainingLoss, 1e-12, "the running loss ends at the epoch's loss");
        }
        Assert.IsTrue(batches.All(b => b.RowsDone > 0 && b.RowsDone <= b.RowCount && double.IsFinite(b.TrainingLoss)));
    }

    [TestMethod]
    public void InitialWeightScaleIsValidated()
    {
        foreach (float scale in new[] { 0f, -1f, float.NaN, float.PositiveInfinity })
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
                () => new MultilayerPerceptronTrainer(new MultilayerPerceptronTrainer.Options { InitialWeightScale = scale }));
            Assert.AreEqual(nameof(MultilayerPerceptronTrainer.Options.InitialWeightScale), e.ParamName);
        }
        // Training with a scaled initialization works (its effect on the weights is tested on MlpNetwork).
        var ml = new MLContext(seed: 1);
        var model = Network(DigitsPipeline(ml, new MultilayerPerceptronTrainer.Options
        {
            HiddenLayerSizes = [16], NumberOfEpochs = 1, InitialWeightScale = 0.1f,
        }).Fit(ml.Data.LoadFromEnumerable(DigitRows.Value.Take(200).ToArray())));
        Assert.IsTrue(model.Model.Layers[0].Weights.All(float.IsFinite));
    }

    [TestMethod]
    public void ACancelledTokenStopsFitAtOnce()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(DigitRows.Value.Take(200).ToArray());
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        int reports = 0;
        var options = new MultilayerPerceptronTrainer.Options
        {
            HiddenLayerSizes = [16], NumberOfEpochs = 2, CancellationToken = cts.Token,
            BatchProgress = new SynchronousProgress<MultilayerPerceptronBatchProgress>(_ => reports++),
            Progress = new SynchronousProgress<MultilayerPerceptronEpoch>(_ => reports++),
        };
        var e = Assert.ThrowsExactly<OperationCanceledException>(() => DigitsPipeline(ml, options).Fit(data));
        Assert.AreEqual(cts.Token, e.CancellationToken);
        Assert.AreEqual(0, reports, "no mini-batch ran");

        // The binary and regression trainers share the check.
        var binaryRows = DigitRows.Value.Take(100).Select(r => new BinaryRow { Features = r.Features, Label = r.Label > 4 }).ToArray();
        Assert.ThrowsExactly<OperationCanceledException>(() => ml.BinaryClassification.Trainers.MultilayerPerceptron(
            new MultilayerPerceptronBinaryTrainer.Options { HiddenLayerSizes = [4], CancellationToken = cts.Token })
            .Fit(ml.Data.LoadFromEnumerable(binaryRows)));
        var regressionRows = DigitRows.Value.Take(100).Select(r => new RegressionRow { Features = r.Features, Label = r.Label }).ToArray();
        Assert.ThrowsExactly<OperationCanceledException>(() => ml.Regression.Trainers.MultilayerPerceptron(
            new MultilayerPerceptronRegressionTrainer.Options { HiddenLayerSizes = [4], CancellationToken = cts.Token })
            .Fit(ml.Data.LoadFromEnumerable(regressionRows)));
    }

    [TestMethod]
    public void CancellingFromTheBatchProgressStopsBeforeTheNextMiniBatch()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(DigitRows.Value.Take(500).ToArray());
        using var cts = new CancellationTokenSource();
        var batches = new List<MultilayerPerceptronBatchProgress>();
        var epochs = new List<MultilayerPerceptronEpoch>();
        var options = new MultilayerPerceptronTrainer.Options
        {
            HiddenLayerSizes = [16], NumberOfEpochs = 3, ValidationFraction = 0.2, CancellationToken = cts.Token,
            BatchProgress = new SynchronousProgress<MultilayerPerceptronBatchProgress>(b =>
            {
                batches.Add(b);
                cts.Cancel();
            }),
            Progress = new SynchronousProgress<MultilayerPerceptronEpoch>(epochs.Add),
        };
        ITransformer? model = null;
        Assert.ThrowsExactly<OperationCanceledException>(() => model = DigitsPipeline(ml, options).Fit(data));
        Assert.IsNull(model, "no model is returned");
        // Had another mini-batch run, the epoch's last one would have reported again (it always does).
        Assert.AreEqual(1, batches.Count, "one report, then the next check threw");
        Assert.AreEqual(1, batches[0].Epoch);
        Assert.AreEqual(0, epochs.Count, "the epoch was not finished: no validation pass, no epoch report");
    }

    [TestMethod]
    public void PopulationInferenceStatisticsReplaceTheRunningAverages()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestDatasets.Split(DigitRows.Value);
        MultilayerPerceptronTrainer.Options Options(MultilayerPerceptronInferenceStatistics statistics) => new()
        {
            HiddenLayerSizes = [32], NumberOfEpochs = 3, InferenceStatistics = statistics,
        };
        Assert.AreEqual(MultilayerPerceptronInferenceStatistics.RunningAverages, new MultilayerPerceptronTrainer.Options().InferenceStatistics);
        var running = DigitsPipeline(ml, Options(MultilayerPerceptronInferenceStatistics.RunningAverages)).Fit(ml.Data.LoadFromEnumerable(train));
        var population = DigitsPipeline(ml, Options(MultilayerPerceptronInferenceStatistics.Population)).Fit(ml.Data.LoadFromEnumerable(train));
        var a = Network(running).Model.Layers[0];
        var b = Network(population).Model.Layers[0];
        CollectionAssert.AreEqual(a.Weights.ToArray(), b.Weights.ToArray(), "the same training");
        CollectionAssert.AreNotEqual(a.RunningMean!.ToArray(), b.RunningMean!.ToArray(), "other inference statistics");
        Assert.IsTrue(b.RunningVariance!.All(v => v >= 0 && float.IsFinite(v)));
        var metrics = ml.MulticlassClassification.Evaluate(population.Transform(ml.Data.LoadFromEnumerable(test)));
        Assert.IsTrue(metrics.MicroAccuracy >= 0.9, $"test accuracy {metrics.MicroAccuracy}");

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MultilayerPerceptronTrainer(
            new MultilayerPerceptronTrainer.Options { InferenceStatistics = (MultilayerPerceptronInferenceStatistics)5 }));
        Assert.AreEqual(nameof(MultilayerPerceptronOptions.InferenceStatistics), e.ParamName);
    }

    private sealed class BinaryRow
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    private sealed class RegressionRow
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
