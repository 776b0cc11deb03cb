using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

[TestClass]
public sealed class MultilayerPerceptronRegressionTrainerTests
{
    private static IDataView Normalized(MLContext ml, IDataView data) => ml.Transforms.BatchNormalize("Features").Fit(data).Transform(data);

    private sealed class Row
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    private sealed class Prediction
    {
        public float Score { get; set; }
    }

    private static Row[] Rows(int count, Func<int, float> label) =>
        Enumerable.Range(0, count).Select(i => new Row { Features = [i % 7 - 3f, (i * 5 % 11) / 5f - 1f], Label = label(i) }).ToArray();

    [TestMethod]
    public void OutputColumnIsSdcas()
    {
        var ml = new MLContext(seed: 1);
        var data = Normalized(ml, TabularDatasets.Diabetes(ml));
        var ours = ml.Regression.Trainers.MultilayerPerceptron(hiddenLayerSizes: [8], numberOfEpochs: 1).Fit(data);
        var builtIn = ml.Regression.Trainers.Sdca(maximumNumberOfIterations: 1).Fit(data);
        TaskSchemaAssert.AddedColumnsEqual(data.Schema, builtIn.Transform(data).Schema, ours.Transform(data).Schema, "scored once");
        var once = builtIn.Transform(data);
        TaskSchemaAssert.AddedColumnsEqual(once.Schema, builtIn.Transform(once).Schema, ours.Transform(once).Schema, "scored after Sdca");
    }

    [TestMethod]
    public void EvaluateWorksOnDiabetesInRawUnits()
    {
        // Raw targets 25..346: the standardized label trains with the default learning rate.
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(TabularDatasets.Diabetes(ml), testFraction: 0.25, seed: 3);
        var model = ml.Transforms.BatchNormalize("Features")
            .Append(ml.Regression.Trainers.MultilayerPerceptron(hiddenLayerSizes: [32], numberOfEpochs: 30))
            .Fit(split.TrainSet);
        var metrics = ml.Regression.Evaluate(model.Transform(split.TestSet));
        var labels = split.TestSet.GetColumn<float>("Label").ToArray();
        var scores = model.Transform(split.TestSet).GetColumn<float>("Score").ToArray();
        double mse = labels.Zip(scores, (l, s) => (double)(l - s) * (l - s)).Average();
        Assert.AreEqual(Math.Sqrt(mse), metrics.RootMeanSquaredError, 1e-3);
        // Predicting the mean gives R^2 = 0 (RMSE ~77); linear models reach about 0.45 on this split of diabetes.
        Assert.IsGreaterThan(0.35, metrics.RSquared, $"R^2 {metrics.RSquared}, RMSE {metrics.RootMeanSquaredError}");
    }

    [TestMethod]
    public void ScoresFollowAnAffineChangeOfTheLabelsUnits()
    {
        // The network sees the standardized label, so labels a * y + b give the same network up to float rounding and
        // Scores a * s + b: the scaling is undone at prediction, whatever the units.
        var ml = new MLContext(seed: 1);
        var rows = Rows(200, i => (i % 7 - 3f) * ((i * 5 % 11) / 5f - 1f) + 0.1f * (i % 3));
        var scaled = rows.Select(r => new Row { Features = r.Features, Label = 1000f * r.Label + 500f }).ToArray();
        var options = new MultilayerPerceptronRegressionTrainer.Options { HiddenLayerSizes = [16], NumberOfEpochs = 5, Seed = 4 };
        var small = ml.Regression.Trainers.MultilayerPerceptron(options).Fit(ml.Data.LoadFromEnumerable(rows));
        var large = ml.Regression.Trainers.MultilayerPerceptron(options).Fit(ml.Data.LoadFromEnumerable(scaled));
        Assert.AreEqual(1000 * small.LabelStandardDeviation, large.LabelStandardDeviation, 1e-3 * large.LabelStandardDeviation);
        Assert.AreEqual(1000 * small.LabelMean + 500, large.LabelMean, 1e-3 * large.LabelStandardDeviation);
        var a = small.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float>("Score").ToArray();
        var b = large.Transform(ml.Data.LoadFromEnumerable(scaled)).GetColumn<float>("Score").ToArray();
        for (int i = 0; i < a.Length; i++)
            Assert.AreEqual(1000.0 * a[i] + 500, b[i], 1e-3 * large.LabelStandardDeviation, $"row {i}");
    }

    [TestMethod]
    public void HuberLossTrainsAndResistsAnOutlyingLabel()
    {
        // y = x0 with one label set to 1e4: the squared error bends the fit toward it, Huber much less.
        var ml = new MLContext(seed: 1);
        var rows = Rows(300, i => i % 7 - 3f);
        rows[10].Label = 1e4f;
        var data = ml.Data.LoadFromEnumerable(rows);
        double ErrorOnTheClean(MultilayerPerceptronRegressionLoss loss)
        {
            var model = ml.Regression.Trainers.MultilayerPerceptron(new MultilayerPerceptronRegressionTrainer.Options
            {
                HiddenLayerSizes = [16], NumberOfEpochs = 40, LossFunction = loss, HuberDelta = 0.05f, Seed = 2,
            }).Fit(data);
            var scores = model.Transform(data).GetColumn<float>("Score").ToArray();
            return Enumerable.Range(0, rows.Length).Where(i => i != 10).Average(i => Math.Abs(scores[i] - rows[i].Label));
        }
        double huber = ErrorOnTheClean(MultilayerPerceptronRegressionLoss.Huber);
        double squared = ErrorOnTheClean(MultilayerPerceptronRegressionLoss.Squared);
        Assert.IsLessThan(squared / 2, huber, $"mean absolute error on the clean rows: Huber {huber}, squared {squared}");
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.MultilayerPerceptron(
            new MultilayerPerceptronRegressionTrainer.Options { HuberDelta = 0 }), "HuberDelta");
    }

    [TestMethod]
    public void TrainerPassesTheEstimatorChecksRefusesPlainSaveAndRoundTripsThroughSaveWithNetworks()
    {
        var ml = new MLContext(seed: 1);
        var data = Normalized(ml, TabularDatasets.Diabetes(ml));
        var doubleLabel = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Double).Fit(data).Transform(data);
        var trainer = ml.Regression.Trainers.MultilayerPerceptron(hiddenLayerSizes: [8], numberOfEpochs: 1);
        EstimatorChecks.Run(trainer, data, invalidInput: doubleLabel, options: new EstimatorCheckOptions { Save = SaveExpectation.NotSupported });
        EstimatorChecks.Run(trainer, data, options: new EstimatorCheckOptions { SaveAndLoad = SaveWithNetworks.RoundTrip });
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(doubleLabel),
            "Label column 'Label'", "Double", "ConvertType(\"Label\", outputKind: DataKind.Single)");
    }

    [TestMethod]
    public void ANaNOrInfiniteLabelIsRefusedNamingTheRowAndColumn()
    {
        var ml = new MLContext(seed: 1);
        var trainer = ml.Regression.Trainers.MultilayerPerceptron(hiddenLayerSizes: [4], numberOfEpochs: 1);
        var rows = Rows(20, i => i);
        rows[7].Label = float.NaN;
        ExceptionAssert.Throws<InvalidOperationException>(() => trainer.Fit(ml.Data.LoadFromEnumerable(rows)),
            "Training data, row 7", "label column 'Label' holds NaN", "FilterRowsByMissingValues");
        rows[7].Label = 1;
        rows[12].Label = float.PositiveInfinity;
        ExceptionAssert.Throws<InvalidOperationException>(() => trainer.Fit(ml.Data.LoadFromEnumerable(rows)),
            "Training data, row 12", "label column 'Label' holds Infinity", "FilterRowsByColumn");
        rows[12].Label = 1;
        var validation = Rows(5, i => i);
        validation[3].Label = float.NegativeInfinity;
        ExceptionAssert.Throws<InvalidOperationException>(() => trainer.Fit(ml.Data.LoadFromEnumerable(rows), ml.Data.LoadFromEnumerable(validation)),
            "Validation data, row 3", "label column 'Label'");
    }

    [TestMethod]
    public void AConstantLabelIsRefusedSayingWhatItMeans()
    {
        var ml = new MLContext(seed: 1);
        var trainer = ml.Regression.Trainers.MultilayerPerceptron(hiddenLayerSizes: [4], numberOfEpochs: 1);
        ExceptionAssert.Throws<InvalidOperationException>(() => trainer.Fit(ml.Data.LoadFromEnumerable(Rows(20, _ => 42.5f))),
            "label column 'Label' holds the same value, 42.5, in all 20 rows", "standard deviation is 0", "predicts that value for every row");
    }
}
