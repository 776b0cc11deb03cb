using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>
/// With the companion package referenced, plain Model.Save of binary and regression networks is still refused (the
/// companion holds multiclass networks only for now): the message says so and names SaveWithNetworks / LoadWithNetworks.
/// </summary>
[TestClass]
public sealed class PlainSaveOtherTasksTests
{
    private sealed class Row
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }

        public float Target { get; set; }
    }

    private static Row[] Rows() => Enumerable.Range(0, 40).Select(i => new Row
    {
        Features = [i % 7, (i * 3) % 5, i / 10f],
        Label = i % 2 == 0,
        Target = i * 0.5f,
    }).ToArray();

    [TestMethod]
    public void BinaryAndRegressionAreNotSupportedYetEvenWithTheCompanion()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows());
        var binary = ml.BinaryClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [4], numberOfEpochs: 1).Fit(data);
        var regression = ml.Regression.Trainers.MultilayerPerceptron(labelColumnName: "Target", hiddenLayerSizes: [4], numberOfEpochs: 1).Fit(data);
        foreach (ITransformer model in new ITransformer[] { binary, regression })
        {
            using var stream = new MemoryStream();
            var error = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.Save(model, data.Schema, stream), model.GetType().Name);
            StringAssert.Contains(error.Message, "not supported yet");
            StringAssert.Contains(error.Message, "mlContext.Model.SaveWithNetworks");
            StringAssert.Contains(error.Message, "mlContext.Model.LoadWithNetworks");
        }
    }
}
