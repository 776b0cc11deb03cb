using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>
/// <c>SaveWithNetworks</c> / <c>LoadWithNetworks</c> of BatchNormalize (format version 4): every fitted state comes
/// back as our transformer with the same double statistics, and its output bit for bit; files of format version 3,
/// which held BatchNormalize as ML.NET's affine normalizer, still load.
/// </summary>
[TestClass]
public sealed class BatchNormalizeNetworkFileTests
{
    private static (BatchNormalizingTransformer Transformer, IDataView Data) Fitted()
    {
        // Slot 0 the mean 1e4 / std 0.1, slot 1 a spread of about one float step, slot 2 an ordinary column;
        // gammas of both signs and zero, a scalar column with gamma 0 (constant output), a column with given statistics.
        var rows = TransformTestData.Gaussian(400, [1e4, 1e4, -3], [0.1, 1e-3, 2], seed: 71);
        var data = new InMemoryDataBuilder().AddSingleVector("V", rows, slotNames: ["a", "b", "c"])
            .AddSingle("S", TransformTestData.Slot(rows, 2)).Build();
        var transformer = new MLContext(seed: 1).Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
        {
            Columns =
            [
                new BatchNormalizingEstimator.ColumnOptions("VOut", "V") { Scale = [1, -2, 0], Offset = [0.5f, 0, 3], Epsilon = 1e-12f },
                new BatchNormalizingEstimator.ColumnOptions("SOut", "S") { Scale = [0], Offset = [-4], UseUnbiasedVariance = true },
                new BatchNormalizingEstimator.ColumnOptions("Given", "V") { Mean = [1e4f, 1e4f, 0], Variance = [0.01f, 1e-6f, 4], Scale = [-1, -1, -1] },
            ],
        }).Fit(data);
        return (transformer, data);
    }

    [TestMethod]
    public void EveryStateRoundTripsBitForBit()
    {
        var (transformer, data) = Fitted();
        var ml = new MLContext(seed: 3);
        string path = Path.Combine(Path.GetTempPath(), $"bn-networks-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveWithNetworks(transformer, data.Schema, path);
            using (var zip = ZipFile.OpenRead(path))
            {
                using var manifest = JsonDocument.Parse(ReadEntry(zip, "BatchNormExtensions/manifest.json"));
                Assert.AreEqual(4, manifest.RootElement.GetProperty("FormatVersion").GetInt32());
                var entry = manifest.RootElement.GetProperty("Networks")[0];
                Assert.AreEqual("BatchNormalize", entry.GetProperty("Kind").GetString());
                Assert.AreEqual("BatchNormExtensions/batch-normalize-1.json", entry.GetProperty("Header").GetString());
            }

            var loaded = new MLContext(seed: 4).Model.LoadWithNetworks(path, out var schema);
            SchemaAssert.VisibleColumnsEqual(data.Schema, schema, "input schema");
            var back = ((IEnumerable<ITransformer>)loaded).OfType<BatchNormalizingTransformer>().Single();
            Assert.HasCount(transformer.Columns.Count, back.Columns);
            for (int c = 0; c < transformer.Columns.Count; c++)
            {
                var (expected, actual) = (transformer.Columns[c], back.Columns[c]);
                Assert.AreEqual(expected.OutputColumnName, actual.OutputColumnName);
                Assert.AreEqual(expected.InputColumnName, actual.InputColumnName);
                Assert.AreEqual(expected.IsVector, actual.IsVector);
                Assert.AreEqual(expected.Epsilon, actual.Epsilon);
                CollectionAssert.AreEqual(expected.Mean.ToArray(), actual.Mean.ToArray(), $"{expected.OutputColumnName}: mean (double)");
                CollectionAssert.AreEqual(expected.Variance.ToArray(), actual.Variance.ToArray(), $"{expected.OutputColumnName}: variance (double)");
                CollectionAssert.AreEqual(expected.Gamma.ToArray(), actual.Gamma.ToArray(), $"{expected.OutputColumnName}: gamma");
                CollectionAssert.AreEqual(expected.Beta.ToArray(), actual.Beta.ToArray(), $"{expected.OutputColumnName}: beta");
            }
            var before = transformer.Transform(data);
            var after = loaded.Transform(data);
            SchemaAssert.AreEqual(before.Schema, after.Schema, "output schema");
            foreach (var column in new[] { "VOut", "SOut", "Given" })
            {
                var x = DataViewReader.ReadSingles(before, column);
                var y = DataViewReader.ReadSingles(after, column);
                for (int i = 0; i < x.Length; i++)
                    CollectionAssert.AreEqual(x[i], y[i], $"{column} row {i}: bit for bit");
            }

            // Plain Load of our file fails loudly, naming the call to use.
            var error = Assert.ThrowsExactly<System.Reflection.TargetInvocationException>(() => new MLContext().Model.Load(path, out _));
            Assert.IsInstanceOfType<NotSupportedException>(error.InnerException);
            StringAssert.Contains(error.InnerException.Message, "LoadWithNetworks");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void WithANetworkBothComeBackAndTheNetworkKeepsItsEntryNames()
    {
        var (transformer, data) = Fitted();
        var ml = new MLContext(seed: 1);
        var labelled = new InMemoryDataBuilder().AddSingleVector("V", DataViewReader.ReadSingles(data, "V"))
            .AddSingle("S", DataViewReader.ReadSingles(data, "S").Select(r => r[0]).ToArray())
            .AddKey("Label", 3, Enumerable.Range(0, 400).Select(i => (uint)(i % 3 + 1)).ToArray()).Build();
        var network = ml.MulticlassClassification.Trainers.MultilayerPerceptron(featureColumnName: "VOut", hiddenLayerSizes: [4], numberOfEpochs: 1)
            .Fit(transformer.Transform(labelled));
        var model = new TransformerChain<ITransformer>(transformer, network);
        string path = Path.Combine(Path.GetTempPath(), $"bn-networks-mlp-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveWithNetworks(model, labelled.Schema, path);
            using (var zip = ZipFile.OpenRead(path))
            {
                Assert.IsNotNull(zip.GetEntry("BatchNormExtensions/network-1.json"), "the first network is network-1");
                Assert.IsNotNull(zip.GetEntry("BatchNormExtensions/batch-normalize-1.bin"));
            }
            var loaded = new MLContext().Model.LoadWithNetworks(path, out _);
            var members = ((IEnumerable<ITransformer>)loaded).ToArray();
            Assert.IsTrue(members.OfType<BatchNormalizingTransformer>().Any() && members.OfType<MultilayerPerceptronPredictionTransformer>().Any(),
                string.Join(", ", members.Select(m => m.GetType().Name)));
            var expected = DataViewReader.ReadSingles(model.Transform(labelled), "Score");
            var actual = DataViewReader.ReadSingles(loaded.Transform(labelled), "Score");
            for (int i = 0; i < expected.Length; i++)
                CollectionAssert.AreEqual(expected[i], actual[i], $"Score of row {i}: bit for bit");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// A file written by SaveWithNetworks in format version 3 (commit 9fc798e, the pipeline and rows below), where
    /// BatchNormalize was stored as ML.NET's affine normalizer: it loads as before, that normalizer in BatchNormalize's
    /// place, with the scores it gave then (TestData/format3-batchnormalize-mlp.scores.json, written by the same run).
    /// </summary>
    [TestMethod]
    public void Format3FilesStillLoad()
    {
        // Written with: MapValueToKey("Label"), BatchNormalize("Features"), MultilayerPerceptron(hiddenLayerSizes: [4],
        // numberOfEpochs: 2), MLContext(seed: 1), on these 60 rows; SaveWithNetworks(model, data.Schema, path).
        var rows = Enumerable.Range(0, 60).Select(i => new FixtureRow
        {
            Features = [i % 7, (i * 3) % 5 + 1000, i / 10f, MathF.Sin(i)],
            Label = (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).ToArray();
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "format3-batchnormalize-mlp.zip");
        var expected = JsonSerializer.Deserialize<float[][]>(File.ReadAllText(Path.ChangeExtension(path, ".scores.json")))!;
        var ml = new MLContext();
        var loaded = ml.Model.LoadWithNetworks(path, out _);
        var members = Flatten(loaded).ToArray();
        Assert.IsTrue(members.OfType<NormalizingTransformer>().Any(), string.Join(", ", members.Select(m => m.GetType().Name)));
        Assert.IsTrue(members.OfType<MultilayerPerceptronPredictionTransformer>().Any());
        var scores = DataViewReader.ReadSingles(loaded.Transform(ml.Data.LoadFromEnumerable(rows)), "Score");
        Assert.HasCount(expected.Length, scores);
        for (int i = 0; i < expected.Length; i++)
        {
            for (int k = 0; k < expected[i].Length; k++)
                Assert.AreEqual(expected[i][k], scores[i][k], 1e-6f, $"row {i} class {k}");
        }
    }

    [TestMethod]
    public void AFlippedByteInTheParametersIsRefused()
    {
        var (transformer, data) = Fitted();
        string path = Path.Combine(Path.GetTempPath(), $"bn-networks-flip-{Guid.NewGuid():N}.zip");
        const string entry = "BatchNormExtensions/batch-normalize-1.bin";
        try
        {
            new MLContext().Model.SaveWithNetworks(transformer, data.Schema, path);
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
            {
                byte[] content = ReadEntry(zip, entry);
                content[content.Length / 2] ^= 1;
                zip.GetEntry(entry)!.Delete();
                using var output = zip.CreateEntry(entry).Open();
                output.Write(content);
            }
            var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadWithNetworks(path, out _));
            StringAssert.Contains(error.Message, path);
            StringAssert.Contains(error.Message, entry);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class FixtureRow
    {
        [VectorType(4)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer)
        => transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [transformer];

    private static byte[] ReadEntry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new AssertFailedException($"no entry {name}");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
