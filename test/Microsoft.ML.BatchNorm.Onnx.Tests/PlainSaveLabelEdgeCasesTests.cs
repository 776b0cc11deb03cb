using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>
/// Plain Model.Save of multiclass networks whose label the built-in PredictedLabel steps cannot copy exactly (README,
/// "Saving"): a key label without key values gets its keys as UInt32 key values; a Boolean label is refused, naming
/// SaveWithNetworks, because no Boolean value is left to stand for "no class" on a row with a NaN feature.
/// </summary>
[TestClass]
public sealed class PlainSaveLabelEdgeCasesTests
{
    private sealed class BooleanRow
    {
        public bool Label { get; set; }

        [VectorType(3)]
        public float[] Features { get; set; } = [];
    }

    private static float[] Features(int i) => [i % 3, (i * 7 % 5) / 5f, i % 2];

    [TestMethod]
    public void KeyLabelWithoutKeyValuesGetsItsKeysAsUInt32KeyValues()
    {
        const int Rows = 40;
        var ml = new MLContext(seed: 1);
        var data = new InMemoryDataBuilder()
            .AddKey("Label", 3, Enumerable.Range(0, Rows).Select(i => (uint)(i % 3 + 1)).ToArray())
            .AddSingleVector("Features", Enumerable.Range(0, Rows).Select(i => i % 9 == 0 ? [float.NaN, 0f, 0f] : Features(i)).ToArray())
            .Build();
        var model = ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [4], numberOfEpochs: 1)
            .Fit(ml.Data.FilterRowsByMissingValues(data, "Features"));
        var scored = model.Transform(data);
        Assert.IsFalse(scored.Schema["PredictedLabel"].Annotations.Schema.Any(a => a.Name == "KeyValues"), "in memory: no key values, as the label");

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext().Model.Load(stream, out _).Transform(data);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), loaded.Schema["PredictedLabel"].Type);
        Assert.AreEqual("KeyValues: Vector<UInt32, 3> = [1, 2, 3]", string.Join("; ", AnnotationText.Describe(loaded.Schema["PredictedLabel"].Annotations)));
        var expected = scored.GetColumn<uint>("PredictedLabel").ToArray();
        CollectionAssert.AreEqual(expected, loaded.GetColumn<uint>("PredictedLabel").ToArray());
        Assert.IsTrue(expected.Where((_, i) => i % 9 == 0).All(k => k == 0), "rows with a NaN feature get key 0");
    }

    [TestMethod]
    public void BooleanLabelIsRefusedNamingSaveWithNetworks()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 40).Select(i => new BooleanRow { Label = i % 2 == 0, Features = Features(i) }).ToArray());
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [4], numberOfEpochs: 1))
            .Fit(data);
        using var stream = new MemoryStream();
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.Save(model, data.Schema, stream));
        StringAssert.Contains(e.Message, "Boolean");
        StringAssert.Contains(e.Message, "mlContext.Model.SaveWithNetworks");
        StringAssert.Contains(e.Message, "mlContext.Model.LoadWithNetworks");
    }
}
