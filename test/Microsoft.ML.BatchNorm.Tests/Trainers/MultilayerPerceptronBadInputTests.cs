using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

[TestClass]
public sealed class MultilayerPerceptronBadInputTests
{
    private sealed class Row
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }

        public string Text { get; set; } = "";

        public float Scalar { get; set; }

        public float[] Variable { get; set; } = [];
    }

    private sealed class WideRow
    {
        [VectorType(4)]
        public float[] Features { get; set; } = [];
    }

    private static Row[] Rows(int count, int classes = 3) => Enumerable.Range(0, count).Select(i => new Row
    {
        Features = [i % 7, (i * 3) % 5, i % classes],
        Label = i % classes,
        Text = "t",
        Scalar = i,
        Variable = [1, 2],
    }).ToArray();

    private static MultilayerPerceptronTrainer Trainer(MLContext ml, string label = "Label", string features = "Features")
        => ml.MulticlassClassification.Trainers.MultilayerPerceptron(label, features, hiddenLayerSizes: [4], numberOfEpochs: 1, batchSize: 4);

    private static IDataView Keyed(MLContext ml, Row[] rows) => ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows))
        .Transform(ml.Data.LoadFromEnumerable(rows));

    [TestMethod]
    public void MissingLabelColumn()
    {
        var ml = new MLContext();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer(ml, label: "Class").Fit(Keyed(ml, Rows(10))));
        StringAssert.Contains(e.Message, "'Class'");
        StringAssert.Contains(e.Message, "not found");
    }

    [TestMethod]
    public void LabelNotAKey()
    {
        var ml = new MLContext();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer(ml).Fit(ml.Data.LoadFromEnumerable(Rows(10))));
        StringAssert.Contains(e.Message, "'Label'");
        StringAssert.Contains(e.Message, "key");
        StringAssert.Contains(e.Message, "MapValueToKey");
    }

    [TestMethod]
    public void LabelNotAKeyAtSchemaPropagation()
    {
        var ml = new MLContext();
        var chain = ml.Transforms.CopyColumns("L2", "Label").Append(Trainer(ml));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => chain.Fit(ml.Data.LoadFromEnumerable(Rows(10))));
    }

    [TestMethod]
    public void FewerThanTwoClasses()
    {
        var ml = new MLContext();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer(ml).Fit(Keyed(ml, Rows(10, classes: 1))));
        StringAssert.Contains(e.Message, "1 class");
        StringAssert.Contains(e.Message, "at least 2");
    }

    [TestMethod]
    public void FeaturesNotAKnownSizeFloatVector()
    {
        var ml = new MLContext();
        var data = Keyed(ml, Rows(10));
        foreach (var column in new[] { "Text", "Scalar", "Variable" })
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer(ml, features: column).Fit(data));
            StringAssert.Contains(e.Message, $"'{column}'");
            StringAssert.Contains(e.Message, "known-size vector of Single");
        }
    }

    [TestMethod]
    public void NaNInFeaturesNamesTheRow()
    {
        var ml = new MLContext();
        var rows = Rows(10);
        rows[6].Features[1] = float.NaN;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => Trainer(ml).Fit(Keyed(ml, rows)));
        StringAssert.Contains(e.Message, "row 6");
        StringAssert.Contains(e.Message, "NaN");
        StringAssert.Contains(e.Message, "'Features'");
    }

    [TestMethod]
    public void BadOptionsAreRefusedUpFront()
    {
        var ml = new MLContext();
        var trainers = ml.MulticlassClassification.Trainers;
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.MultilayerPerceptron(numberOfEpochs: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.MultilayerPerceptron(batchSize: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.MultilayerPerceptron(hiddenLayerSizes: [16, 0]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.MultilayerPerceptron(learningRate: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.MultilayerPerceptron(learningRate: -1e-3f));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.MultilayerPerceptron(learningRate: float.NaN));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.MultilayerPerceptron(
            new MultilayerPerceptronTrainer.Options { ValidationFraction = 1 }));
    }

    [TestMethod]
    public void PredictionInputWithWrongVectorSize()
    {
        var ml = new MLContext();
        var model = Trainer(ml).Fit(Keyed(ml, Rows(20)));
        var wide = ml.Data.LoadFromEnumerable(new[] { new WideRow { Features = [1, 2, 3, 4] } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(wide));
        StringAssert.Contains(e.Message, "'Features'");
        StringAssert.Contains(e.Message, "4");
        StringAssert.Contains(e.Message, "3");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Model.CreatePredictionEngine<WideRow, WideRow>(model));
    }

    [TestMethod]
    public void SingleTrailingRowDoesNotBreakTraining()
    {
        var ml = new MLContext();
        // 9 rows in mini-batches of 4: the last mini-batch would hold one row and is merged into the previous one.
        var model = Trainer(ml).Fit(Keyed(ml, Rows(9)));
        Assert.IsTrue(model.Model.Layers.SelectMany(l => l.Weights).All(float.IsFinite));
        Assert.IsTrue(model.Model.History.All(e => double.IsFinite(e.TrainingLoss)));
    }
}
