using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

/// <summary>
/// The multiclass trainer's output columns are ML.NET's multiclass trainers' (LbfgsMaximumEntropy and
/// SdcaMaximumEntropy, which agree): names, order, types, and every annotation's kind, type, value and order, for text,
/// UInt32 and Single labels and for a key label without key values; in the transformed data, in the transformer's
/// output schema, after a built-in scorer's columns, and in the estimator's promised SchemaShape.
/// </summary>
[TestClass]
public sealed class MultilayerPerceptronMulticlassColumnsTests
{
    private sealed class TextRow
    {
        public string Label { get; set; } = "";

        [VectorType(4)]
        public float[] Features { get; set; } = [];
    }

    private sealed class UInt32Row
    {
        public uint Label { get; set; }

        [VectorType(4)]
        public float[] Features { get; set; } = [];
    }

    private sealed class SingleRow
    {
        public float Label { get; set; }

        [VectorType(4)]
        public float[] Features { get; set; } = [];
    }

    private sealed class ByteKeyRow
    {
        [KeyType(4)]
        public byte Label { get; set; }

        [VectorType(4)]
        public float[] Features { get; set; } = [];
    }

    private const int Rows = 60;

    // Class c (0, 1, 2) centred at c in every slot, with a deterministic spread.
    private static float[] Features(int i) => Enumerable.Range(0, 4).Select(j => i % 3 + ((i * 7 + j * 3) % 10) / 10f).ToArray();

    /// <summary>The keyed training data of each label kind.</summary>
    private static IDataView Keyed(MLContext ml, string labelKind)
    {
        IDataView raw;
        switch (labelKind)
        {
            case "text":
                raw = ml.Data.LoadFromEnumerable(Enumerable.Range(0, Rows).Select(i => new TextRow { Label = new[] { "cat", "dog", "ant" }[i % 3], Features = Features(i) }).ToArray());
                return ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);
            case "uint":
                raw = ml.Data.LoadFromEnumerable(Enumerable.Range(0, Rows).Select(i => new UInt32Row { Label = (uint)(7 - i % 3), Features = Features(i) }).ToArray());
                return ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(raw).Transform(raw);
            case "float":
                raw = ml.Data.LoadFromEnumerable(Enumerable.Range(0, Rows).Select(i => new SingleRow { Label = 0.5f * (2 - i % 3), Features = Features(i) }).ToArray());
                return ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);
            case "key without key values":
                return new InMemoryDataBuilder()
                    .AddKey("Label", 4, Enumerable.Range(0, Rows).Select(i => (uint)(i % 3 + 1)).ToArray())
                    .AddSingleVector("Features", Enumerable.Range(0, Rows).Select(Features).ToArray())
                    .Build();
            default:
                throw new ArgumentOutOfRangeException(nameof(labelKind));
        }
    }

    private static IEnumerable<(string Name, IEstimator<ITransformer> Trainer)> BuiltIns(MLContext ml) =>
    [
        ("LbfgsMaximumEntropy", ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { MaximumNumberOfIterations = 3 })),
        ("SdcaMaximumEntropy", ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: 1)),
    ];

    [TestMethod]
    [DataRow("text")]
    [DataRow("uint")]
    [DataRow("float")]
    [DataRow("key without key values")]
    public void OutputColumnsAreTheBuiltInMulticlassTrainers(string labelKind)
    {
        var ml = new MLContext(seed: 1);
        var data = Keyed(ml, labelKind);
        var estimator = ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [4], numberOfEpochs: 1);
        var ours = estimator.Fit(data);
        foreach (var (name, trainer) in BuiltIns(ml))
        {
            string what = $"{labelKind} label, against {name}";
            var builtIn = trainer.Fit(data);
            TaskSchemaAssert.AddedColumnsEqual(data.Schema, builtIn.Transform(data).Schema, ours.Transform(data).Schema, $"{what}, scored");
            TaskSchemaAssert.AddedColumnsEqual(data.Schema, builtIn.GetOutputSchema(data.Schema), ours.GetOutputSchema(data.Schema), $"{what}, GetOutputSchema");

            // Scored again after the built-in's columns: the new columns form set 2, as the built-in's own do.
            var once = builtIn.Transform(data);
            TaskSchemaAssert.AddedColumnsEqual(once.Schema, builtIn.Transform(once).Schema, ours.Transform(once).Schema, $"{what}, scored after a built-in scorer");

            var shape = SchemaShapes.FromSchema(data.Schema);
            Assert.AreEqual(Describe(trainer.GetOutputSchema(shape)), Describe(estimator.GetOutputSchema(shape)), $"{what}: the promised SchemaShape");
        }
    }

    /// <summary>
    /// The comparison above, spelled out for a UInt32 label as ML.NET's source describes it
    /// (MulticlassClassificationScorer.WrapCore, PredictedLabelScorerBase): the label's values, typed as the label's,
    /// on both columns. Both the built-in and ours must give exactly this.
    /// </summary>
    [TestMethod]
    public void PredictedLabelAndScoreCarryTheLabelsValuesTypedAsTheLabels()
    {
        var ml = new MLContext(seed: 1);
        var data = Keyed(ml, "uint");
        var ours = ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [4], numberOfEpochs: 1).Fit(data).Transform(data).Schema;
        var builtIn = BuiltIns(ml).First().Trainer.Fit(data).Transform(data).Schema;
        foreach (var (who, schema) in new[] { ("LbfgsMaximumEntropy", builtIn), ("ours", ours) })
        {
            Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), schema["PredictedLabel"].Type, who);
            Assert.AreEqual(string.Join("; ",
                "ScoreColumnKind: String = MulticlassClassification",
                "ScoreValueKind: String = PredictedLabel",
                "KeyValues: Vector<UInt32, 3> = [5, 6, 7]",
                "ScoreColumnSetId: Key<UInt32, 0-2147483646> = 1"), string.Join("; ", TaskSchemaAssert.Describe(schema["PredictedLabel"].Annotations)), who);
            Assert.AreEqual(string.Join("; ",
                "ScoreColumnKind: String = MulticlassClassification",
                "ScoreColumnSetId: Key<UInt32, 0-2147483646> = 1",
                "ScoreValueKind: String = Score",
                "TrainingLabelValues: Vector<UInt32, 3> = [5, 6, 7]"), string.Join("; ", TaskSchemaAssert.Describe(schema["Score"].Annotations)), who);
        }
    }

    /// <summary>A key label of another raw type is refused as ML.NET's multiclass trainers refuse it, naming the conversion.</summary>
    [TestMethod]
    public void KeyLabelOfAnotherRawTypeIsRefusedNamingTheConversion()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, Rows).Select(i => new ByteKeyRow { Label = (byte)(i % 3 + 1), Features = Features(i) }).ToArray());
        Assert.AreEqual(new KeyDataViewType(typeof(byte), 4), data.Schema["Label"].Type);
        var trainer = ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [4], numberOfEpochs: 1);
        foreach (var e in new[]
        {
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data)),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(SchemaShapes.FromSchema(data.Schema))),
        })
        {
            StringAssert.Contains(e.Message, "'Label'");
            StringAssert.Contains(e.Message, "Key<Byte");
            StringAssert.Contains(e.Message, "DataKind.UInt32");
        }
        // The advised conversion keeps the key count, and the trainer takes the result.
        var converted = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.UInt32).Fit(data).Transform(data);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 4), converted.Schema["Label"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 4), trainer.Fit(converted).Transform(converted).Schema["PredictedLabel"].Type);
    }

    /// <summary>"name: kind item [key] {annotations...}" per column, in order.</summary>
    private static string Describe(SchemaShape shape) => string.Join("\n",
        shape.Select(c => $"{c.Name}: {c.Kind} {c.ItemType}{(c.IsKey ? " key" : "")} {{{string.Join(", ", c.Annotations.Select(a => $"{a.Name}: {a.Kind} {a.ItemType}{(a.IsKey ? " key" : "")}"))}}}"));
}
