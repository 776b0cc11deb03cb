using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

/// <summary>
/// The trainers' BatchNormalizationPlacement: dense + bias -> ReLU -> batch norm trains, scores, saves (format
/// version 4, only when needed) and loads bit for bit, for every task; files written before placements existed load
/// as dense -> batch norm -> ReLU.
/// </summary>
[TestClass]
public sealed class BatchNormalizationPlacementTests
{
    private const string Manifest = "BatchNormExtensions/manifest.json";
    private const string Header = "BatchNormExtensions/network-1.json";
    private static readonly Lazy<DigitRow[]> DigitRows = new(TestDatasets.Digits);

    private static MultilayerPerceptronPredictionTransformerBase Network(ITransformer model) =>
        model as MultilayerPerceptronPredictionTransformerBase
            ?? ((IEnumerable<ITransformer>)model).OfType<MultilayerPerceptronPredictionTransformerBase>().Single();

    [TestMethod]
    public void TheDefaultIsBeforeActivationAndAnUnknownPlacementIsRejected()
    {
        Assert.AreEqual(MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation, new MultilayerPerceptronTrainer.Options().BatchNormalizationPlacement);
        var ml = new MLContext();
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.MultilayerPerceptron(
            new MultilayerPerceptronRegressionTrainer.Options { BatchNormalizationPlacement = (MultilayerPerceptronBatchNormalizationPlacement)2 }));
        Assert.AreEqual(nameof(MultilayerPerceptronOptions.BatchNormalizationPlacement), error.ParamName);
    }

    [TestMethod]
    public void AfterActivationTrainsDenseReluBatchNormLayersOnTheDigits()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestDatasets.Split(DigitRows.Value);
        var options = new MultilayerPerceptronTrainer.Options
        {
            HiddenLayerSizes = [128, 64],
            NumberOfEpochs = 15,
            BatchNormalizationPlacement = MultilayerPerceptronBatchNormalizationPlacement.AfterActivation,
        };
        var model = MultilayerPerceptronTrainerTests.DigitsPipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(train));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(test)));
        Assert.IsTrue(metrics.MicroAccuracy >= 0.95, $"test accuracy {metrics.MicroAccuracy}");

        var layers = MultilayerPerceptronTrainerTests.Network(model).Model.Layers;
        foreach (var hidden in layers.Take(2))
        {
            Assert.AreEqual(MultilayerPerceptronBatchNormalizationPlacement.AfterActivation, hidden.BatchNormalizationPlacement);
            Assert.IsTrue(hidden.HasBatchNormalization && hidden.HasRelu);
            Assert.AreEqual(hidden.OutputSize, hidden.Bias!.Count, "the dense bias is kept: the ReLU sits between it and the normalization");
            // The normalization's input is a ReLU output: its running mean (from 0, moved towards batch means >= 0) is not negative.
            Assert.IsTrue(hidden.RunningMean!.All(m => m >= 0), "running means of ReLU outputs");
            Assert.IsTrue(hidden.RunningVariance!.All(v => v >= 0 && float.IsFinite(v)));
        }
        Assert.IsFalse(layers[2].HasBatchNormalization);
        Assert.AreEqual(MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation, layers[2].BatchNormalizationPlacement);
    }

    private static (ITransformer Model, IDataView Data) Train(string task, MultilayerPerceptronBatchNormalizationPlacement placement)
    {
        var ml = new MLContext(seed: 1);
        switch (task)
        {
            case "multiclass":
                var (train, test) = TestDatasets.Split(DigitRows.Value);
                var model = MultilayerPerceptronTrainerTests.DigitsPipeline(ml, new MultilayerPerceptronTrainer.Options
                {
                    HiddenLayerSizes = [16, 8], NumberOfEpochs = 2, BatchNormalizationPlacement = placement,
                }).Fit(ml.Data.LoadFromEnumerable(train));
                return (model, ml.Data.LoadFromEnumerable(test));
            case "binary":
                var cancer = Normalized(ml, TabularDatasets.BreastCancer(ml));
                return (ml.BinaryClassification.Trainers.MultilayerPerceptron(new MultilayerPerceptronBinaryTrainer.Options
                {
                    HiddenLayerSizes = [8, 4], NumberOfEpochs = 2, BatchNormalizationPlacement = placement,
                }).Fit(cancer), cancer);
            default:
                var diabetes = Normalized(ml, TabularDatasets.Diabetes(ml));
                return (ml.Regression.Trainers.MultilayerPerceptron(new MultilayerPerceptronRegressionTrainer.Options
                {
                    HiddenLayerSizes = [8, 4], NumberOfEpochs = 2, BatchNormalizationPlacement = placement,
                }).Fit(diabetes), diabetes);
        }
    }

    private static IDataView Normalized(MLContext ml, IDataView data) => ml.Transforms.BatchNormalize("Features").Fit(data).Transform(data);

    [TestMethod]
    [DataRow("multiclass")]
    [DataRow("binary")]
    [DataRow("regression")]
    public void SaveWithNetworksRoundTripScoresBitForBitAfterActivation(string task)
    {
        var (model, data) = Train(task, MultilayerPerceptronBatchNormalizationPlacement.AfterActivation);
        string path = Path.Combine(Path.GetTempPath(), $"bn-placement-{task}-{Guid.NewGuid():N}.zip");
        try
        {
            new MLContext().Model.SaveWithNetworks(model, data.Schema, path);
            using (var zip = ZipFile.OpenRead(path))
            {
                using var manifest = JsonDocument.Parse(ReadEntry(zip, Manifest));
                Assert.AreEqual(4, manifest.RootElement.GetProperty("FormatVersion").GetInt32(), "a placement needs format version 4");
                using var header = JsonDocument.Parse(ReadEntry(zip, Header));
                string?[] placements = header.RootElement.GetProperty("Layers").EnumerateArray()
                    .Select(l => l.TryGetProperty("BatchNormalizationPlacement", out var p) ? p.GetString() : null).ToArray();
                CollectionAssert.AreEqual(new[] { "AfterActivation", "AfterActivation", null }, placements);
            }

            var loaded = new MLContext().Model.LoadWithNetworks(path, out _);
            var layers = Network(loaded).Model.Layers;
            CollectionAssert.AreEqual(Network(model).Model.Layers.Select(l => l.BatchNormalizationPlacement).ToArray(),
                layers.Select(l => l.BatchNormalizationPlacement).ToArray());
            Assert.AreEqual(MultilayerPerceptronBatchNormalizationPlacement.AfterActivation, layers[0].BatchNormalizationPlacement);
            DataViewAssert.AreEqual(model.Transform(data), loaded.Transform(data), NumericTolerance.Exact, what: "loaded against the original");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TheDefaultPlacementIsStillWrittenAsFormatVersion3()
    {
        // Files of networks without a placement stay readable by the releases that read format version 3.
        var (model, data) = Train("regression", MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation);
        string path = Path.Combine(Path.GetTempPath(), $"bn-placement-default-{Guid.NewGuid():N}.zip");
        try
        {
            new MLContext().Model.SaveWithNetworks(model, data.Schema, path);
            using var zip = ZipFile.OpenRead(path);
            using var manifest = JsonDocument.Parse(ReadEntry(zip, Manifest));
            Assert.AreEqual(3, manifest.RootElement.GetProperty("FormatVersion").GetInt32());
            string header = Encoding.UTF8.GetString(ReadEntry(zip, Header));
            Assert.IsFalse(header.Contains("BatchNormalizationPlacement", StringComparison.Ordinal), header);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// TestData/format3-multiclass.zip was written by the code before placements existed (see format3-multiclass.md):
    /// it loads as dense -> batch norm -> ReLU and scores the recorded rows bit for bit as that code did.
    /// </summary>
    [TestMethod]
    public void AFormatVersion3FileLoadsAsBeforeActivation()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "TestData");
        var ml = new MLContext();
        var loaded = ml.Model.LoadWithNetworks(Path.Combine(directory, "format3-multiclass.zip"), out _);
        var layers = Network(loaded).Model.Layers;
        Assert.AreEqual(3, layers.Count);
        foreach (var hidden in layers.Take(2))
        {
            Assert.IsTrue(hidden.HasBatchNormalization);
            Assert.IsNull(hidden.Bias);
            Assert.AreEqual(MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation, hidden.BatchNormalizationPlacement);
        }
        double[][] expected = JsonSerializer.Deserialize<double[][]>(File.ReadAllText(Path.Combine(directory, "format3-multiclass-scores.json")))!;
        var rows = DigitRows.Value.Take(expected.Length).ToArray();
        var scores = loaded.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToArray();
        Assert.AreEqual(expected.Length, scores.Length);
        for (int i = 0; i < scores.Length; i++)
            CollectionAssert.AreEqual(expected[i].Select(v => (float)v).ToArray(), scores[i], $"row {i}");
    }

    [TestMethod]
    public void APlacementInAFileClaimingVersion3IsRefused()
    {
        // A version 3 reader would score such a layer as dense -> BN -> ReLU: a file claiming version 3 with a
        // placement was altered (here with its manifest digest recomputed, so that only this check can catch it).
        var (model, data) = Train("binary", MultilayerPerceptronBatchNormalizationPlacement.AfterActivation);
        string path = Path.Combine(Path.GetTempPath(), $"bn-placement-v3-{Guid.NewGuid():N}.zip");
        try
        {
            new MLContext().Model.SaveWithNetworks(model, data.Schema, path);
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
            {
                var manifest = JsonNode.Parse(ReadEntry(zip, Manifest))!.AsObject();
                manifest["FormatVersion"] = 3;
                byte[] bytes = Encoding.UTF8.GetBytes(manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                Replace(zip, Manifest, bytes);
                Replace(zip, Manifest + ".sha256", Encoding.ASCII.GetBytes(Convert.ToHexString(SHA256.HashData(bytes))));
            }
            var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadWithNetworks(path, out _));
            StringAssert.Contains(error.Message, Header);
            StringAssert.Contains(error.Message, "placement");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void Replace(ZipArchive zip, string name, byte[] content)
    {
        zip.GetEntry(name)!.Delete();
        using var stream = zip.CreateEntry(name).Open();
        stream.Write(content);
    }

    private static byte[] ReadEntry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new AssertFailedException($"no entry {name}");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
