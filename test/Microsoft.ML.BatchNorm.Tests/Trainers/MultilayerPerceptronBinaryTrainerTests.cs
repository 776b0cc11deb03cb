using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

[TestClass]
public sealed class MultilayerPerceptronBinaryTrainerTests
{
    private static IDataView Normalized(MLContext ml, IDataView data) => ml.Transforms.BatchNormalize("Features").Fit(data).Transform(data);

    private sealed class Scored
    {
        public bool Label { get; set; }
        public bool PredictedLabel { get; set; }
        public float Score { get; set; }
        public float Probability { get; set; }
    }

    [TestMethod]
    public void OutputColumnsAreLbfgsLogisticRegressions()
    {
        var ml = new MLContext(seed: 1);
        var data = Normalized(ml, TabularDatasets.BreastCancer(ml));
        var ours = ml.BinaryClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [8], numberOfEpochs: 1).Fit(data);
        var builtIn = ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options { MaximumNumberOfIterations = 5 }).Fit(data);
        TaskSchemaAssert.AddedColumnsEqual(data.Schema, builtIn.Transform(data).Schema, ours.Transform(data).Schema, "scored once");
        TaskSchemaAssert.AddedColumnsEqual(data.Schema, builtIn.GetOutputSchema(data.Schema), ours.GetOutputSchema(data.Schema), "GetOutputSchema");

        // Scored a second time, the new columns form set 2 (the first scorer's become hidden), as with the built-in.
        var once = builtIn.Transform(data);
        var twiceBuiltIn = builtIn.Transform(once).Schema;
        var twiceOurs = ours.Transform(once).Schema;
        TaskSchemaAssert.AddedColumnsEqual(once.Schema, twiceBuiltIn, twiceOurs, "scored after a built-in scorer");
        Assert.IsTrue(TaskSchemaAssert.Describe(twiceOurs["Score"].Annotations).Contains("ScoreColumnSetId: Key<UInt32, 0-2147483646> = 2"));
    }

    [TestMethod]
    public void EvaluateGivesAucF1AndLogLossThatMatchTheScoredRows()
    {
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(TabularDatasets.BreastCancer(ml), testFraction: 0.25, seed: 3);
        var model = ml.Transforms.BatchNormalize("Features")
            .Append(ml.BinaryClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [32], numberOfEpochs: 20))
            .Fit(split.TrainSet);
        var scored = model.Transform(split.TestSet);
        var metrics = ml.BinaryClassification.Evaluate(scored);

        var rows = ml.Data.CreateEnumerable<Scored>(scored, reuseRowObject: false).ToArray();
        double logLoss = 0;
        int right = 0;
        foreach (var r in rows)
        {
            // Probability is the sigmoid of the logit, PredictedLabel its sign.
            Assert.AreEqual(1 / (1 + Math.Exp(-r.Score)), r.Probability, 1e-6);
            Assert.AreEqual(r.Score > 0, r.PredictedLabel);
            logLoss -= Math.Log(r.Label ? r.Probability : 1 - r.Probability);
            if (r.PredictedLabel == r.Label) right++;
        }
        Assert.AreEqual((double)right / rows.Length, metrics.Accuracy, 1e-12);
        // ML.NET's log-loss is in bits.
        Assert.AreEqual(logLoss / rows.Length / Math.Log(2), metrics.LogLoss, 1e-4);
        // Breast cancer is nearly separable: a small network gets the held-out quarter almost all right.
        Assert.IsGreaterThan(0.98, metrics.AreaUnderRocCurve, $"AUC {metrics.AreaUnderRocCurve}");
        Assert.IsGreaterThan(0.93, metrics.Accuracy, $"accuracy {metrics.Accuracy}");
        Assert.IsGreaterThan(0.93, metrics.F1Score, $"F1 {metrics.F1Score}");
    }

    [TestMethod]
    public void TrainerPassesTheEstimatorChecksRefusesPlainSaveAndRoundTripsThroughSaveWithNetworks()
    {
        var ml = new MLContext(seed: 1);
        var data = Normalized(ml, TabularDatasets.BreastCancer(ml));
        var floatLabel = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Single).Fit(data).Transform(data);
        var trainer = ml.BinaryClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [8], numberOfEpochs: 1);
        EstimatorChecks.Run(trainer, data, invalidInput: floatLabel, options: new EstimatorCheckOptions { Save = SaveExpectation.NotSupported });
        EstimatorChecks.Run(trainer, data, options: new EstimatorCheckOptions { SaveAndLoad = SaveWithNetworks.RoundTrip });
    }

    [TestMethod]
    public void ALabelThatIsNotBooleanIsRefusedWithHowToConvertIt()
    {
        var ml = new MLContext(seed: 1);
        var data = Normalized(ml, TabularDatasets.BreastCancer(ml));
        var floatLabel = ml.Transforms.Conversion.ConvertType("Target", "Label", DataKind.Single).Fit(data).Transform(data);
        var trainer = ml.BinaryClassification.Trainers.MultilayerPerceptron(labelColumnName: "Target", numberOfEpochs: 1);
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(floatLabel),
            "Label column 'Target'", "Single", "Boolean", "ConvertType(\"Target\", outputKind: DataKind.Boolean)");
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(SchemaShapes.FromSchema(floatLabel.Schema)),
            "Label column 'Target'", "ConvertType(\"Target\", outputKind: DataKind.Boolean)");
        // The advice works: the converted column trains.
        var converted = ml.Transforms.Conversion.ConvertType("Target", outputKind: DataKind.Boolean).Fit(floatLabel).Transform(floatLabel);
        Assert.IsNotNull(trainer.Fit(converted));
    }

    [TestMethod]
    public void ASetWithOneClassIsRefusedNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var data = Normalized(ml, TabularDatasets.BreastCancer(ml));
        var onlyBenign = ml.Data.FilterByCustomPredicate<BreastCancerLabel>(data, r => !r.Label);
        var error = ExceptionAssert.Throws<InvalidOperationException>(
            () => ml.BinaryClassification.Trainers.MultilayerPerceptron(numberOfEpochs: 1).Fit(onlyBenign),
            "label column 'Label' is true in all 357 rows", "both classes");
        Assert.IsNotNull(error);
    }

    private sealed class BreastCancerLabel
    {
        public bool Label { get; set; }
    }
}

/// <summary>Save and load through SaveWithNetworks / LoadWithNetworks in fresh contexts, via a temporary file.</summary>
internal static class SaveWithNetworks
{
    public static ITransformer RoundTrip(ITransformer model, DataViewSchema schema)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlp-task-{Guid.NewGuid():N}.zip");
        try
        {
            new MLContext().Model.SaveWithNetworks(model, schema, path);
            return new MLContext().Model.LoadWithNetworks(path, out _);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
