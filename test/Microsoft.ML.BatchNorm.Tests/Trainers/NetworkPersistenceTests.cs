using System.IO.Compression;
using System.Text;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

[TestClass]
public sealed class NetworkPersistenceTests
{
    private static readonly Lazy<(ITransformer Model, DigitRow[] Test, string Directory)> Trained = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestDatasets.Split(TestDatasets.Digits());
        // The full pipeline of the issue: MapValueToKey -> BatchNormalize -> MultilayerPerceptron -> MapKeyToValue.
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.BatchNormalize("Features"))
            .Append(ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [32], numberOfEpochs: 3))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(ml.Data.LoadFromEnumerable(train));
        string directory = Path.Combine(Path.GetTempPath(), "bn-persistence-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return (model, test, directory);
    });

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public float PredictedLabel { get; set; }
    }

    private static Prediction[] Predict(MLContext ml, ITransformer model, DigitRow[] rows)
        => ml.Data.CreateEnumerable<Prediction>(model.Transform(ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToArray();

    private static string SaveTrained(string name)
    {
        var (model, test, directory) = Trained.Value;
        var ml = new MLContext(seed: 2);
        string path = Path.Combine(directory, name);
        ml.Model.SaveWithNetworks(model, ml.Data.LoadFromEnumerable(test).Schema, path);
        return path;
    }

    [TestMethod]
    public void SavedPipelineLoadsInFreshContextAndPredictsIdentically()
    {
        string path = SaveTrained("model.zip");
        var (model, test, directory) = Trained.Value;
        var expected = Predict(new MLContext(seed: 3), model, test);

        var fresh = new MLContext(seed: 4);
        var loaded = fresh.Model.LoadWithNetworks(path, out var inputSchema);
        Assert.IsNotNull(inputSchema.GetColumnOrNull("Features"));
        var actual = Predict(fresh, loaded, test);
        Assert.AreEqual(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel, $"row {i}");
            for (int k = 0; k < expected[i].Score.Length; k++)
                Assert.AreEqual(expected[i].Score[k], actual[i].Score[k], 1e-5f * Math.Max(1f, Math.Abs(expected[i].Score[k])), $"row {i} class {k}");
        }
        Assert.IsFalse(Directory.GetFiles(directory, "*.tmp").Any(), "no temporary file is left behind");

        // Plain Load cannot run the network: it fails loudly, naming the call to use, instead of dropping the network.
        // (ML.NET creates the root's CustomMapping factory by reflection, so our exception arrives wrapped.)
        var error = Assert.ThrowsExactly<System.Reflection.TargetInvocationException>(() => fresh.Model.Load(path, out _));
        Assert.IsInstanceOfType<NotSupportedException>(error.InnerException);
        StringAssert.Contains(error.InnerException.Message, "LoadWithNetworks");
    }

    [TestMethod]
    public void PlainModelSaveFailsNamingTheRightCall()
    {
        var (model, test, _) = Trained.Value;
        var ml = new MLContext();
        using var stream = new MemoryStream();
        var error = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.Save(model, ml.Data.LoadFromEnumerable(test).Schema, stream));
        StringAssert.Contains(error.Message, "SaveWithNetworks");
        StringAssert.Contains(error.Message, "LoadWithNetworks");
        // This test project does not reference the companion package: the message names it.
        StringAssert.Contains(error.Message, "BatchNormExtensions.ML.Onnx");
    }

    [TestMethod]
    public void FailedSaveLeavesExistingFileUntouched()
    {
        var (model, test, directory) = Trained.Value;
        var ml = new MLContext();
        string path = Path.Combine(directory, "kept.zip");
        File.WriteAllText(path, "previous content");
        // A CustomMapping without a contract name cannot be saved by ML.NET: the save fails before the file is replaced.
        var unsaveable = ml.Transforms.CustomMapping<DigitRow, DigitRow>((input, output) => output.Label = input.Label, contractName: null)
            .Fit(ml.Data.LoadFromEnumerable(test));
        var chain = new Data.TransformerChain<ITransformer>(model, unsaveable);
        Assert.ThrowsExactly<InvalidOperationException>(() => ml.Model.SaveWithNetworks(chain, ml.Data.LoadFromEnumerable(test).Schema, path));
        Assert.AreEqual("previous content", File.ReadAllText(path));
        Assert.IsFalse(Directory.GetFiles(directory, "*.tmp").Any());
    }

    [TestMethod]
    public void TruncatedFileFailsClearly()
    {
        string path = SaveTrained("truncated.zip");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadWithNetworks(path, out _));
        StringAssert.Contains(error.Message, path);
    }

    [TestMethod]
    public void CorruptedParametersFailTheChecksum()
    {
        string path = SaveTrained("corrupted.zip");
        RewriteEntry(path, "BatchNormExtensions/network-1.f32", bytes => bytes[100] ^= 0x40);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadWithNetworks(path, out _));
        StringAssert.Contains(error.Message, "checksum");
    }

    [TestMethod]
    public void NewerFormatVersionIsRefused()
    {
        string path = SaveTrained("newer.zip");
        RewriteEntry(path, "BatchNormExtensions/manifest.json", bytes =>
        {
            string text = Encoding.UTF8.GetString(bytes).Replace("\"FormatVersion\": 4", "\"FormatVersion\": 99");
            return Encoding.UTF8.GetBytes(text);
        });
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadWithNetworks(path, out _));
        StringAssert.Contains(error.Message, "newer");
        StringAssert.Contains(error.Message, "99");
    }

    [TestMethod]
    public void MulticlassFilesAreWrittenWithoutATask()
    {
        string path = SaveTrained("version3.zip");
        using var zip = ZipFile.OpenRead(path);
        string manifest = Encoding.UTF8.GetString(ReadEntry(zip, "BatchNormExtensions/manifest.json"));
        StringAssert.Contains(manifest, "\"FormatVersion\": 4"); // 4: the pipeline holds a BatchNormalize
        StringAssert.Contains(manifest, "\"Before\": \"BatchNormExtensions/before-network-1.zip\"");
        // No task in the header means multiclass.
        string header = Encoding.UTF8.GetString(ReadEntry(zip, "BatchNormExtensions/network-1.json"));
        StringAssert.Contains(header, "\"Task\": null");
    }

    [TestMethod]
    public void Version1FilesStillLoad()
    {
        // Version 1 kept the built-in part before the first network at the zip's root and had no Before entry, and no
        // digests (EntrySha256, manifest.json.sha256, both from version 3): rebuild that layout from a version-3 file.
        string path = SaveTrained("version1-source.zip");
        var (model, test, directory) = Trained.Value;
        string version1 = Path.Combine(directory, "version1.zip");
        using (var source = ZipFile.OpenRead(path))
        {
            File.WriteAllBytes(version1, ReadEntry(source, "BatchNormExtensions/before-network-1.zip"));
            using var target = ZipFile.Open(version1, ZipArchiveMode.Update);
            foreach (var entry in source.Entries.Where(e => e.FullName.StartsWith("BatchNormExtensions/", StringComparison.Ordinal)
                && e.FullName != "BatchNormExtensions/before-network-1.zip" && e.FullName != "BatchNormExtensions/manifest.json.sha256"))
            {
                byte[] content = ReadEntry(source, entry.FullName);
                if (entry.FullName == "BatchNormExtensions/manifest.json")
                {
                    string text = Encoding.UTF8.GetString(content);
                    Assert.IsTrue(text.Contains("\"FormatVersion\": 4") && text.Contains("\"Before\": \"BatchNormExtensions/before-network-1.zip\""), text);
                    var manifest = System.Text.Json.Nodes.JsonNode.Parse(text)!.AsObject();
                    Assert.IsTrue(manifest.Remove("EntrySha256"));
                    manifest["FormatVersion"] = 1;
                    manifest["Before"] = null;
                    content = Encoding.UTF8.GetBytes(manifest.ToJsonString());
                }
                using var output = target.CreateEntry(entry.FullName).Open();
                output.Write(content);
            }
        }

        var fresh = new MLContext(seed: 5);
        var expected = Predict(fresh, model, test);
        var actual = Predict(fresh, fresh.Model.LoadWithNetworks(version1, out var inputSchema), test);
        Assert.IsNotNull(inputSchema.GetColumnOrNull("Features"));
        Assert.AreEqual(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel, $"row {i}");
            for (int k = 0; k < expected[i].Score.Length; k++)
                Assert.AreEqual(expected[i].Score[k], actual[i].Score[k], 1e-5f * Math.Max(1f, Math.Abs(expected[i].Score[k])), $"row {i} class {k}");
        }
    }

    private static byte[] ReadEntry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new AssertFailedException($"no entry {name}");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static void RewriteEntry(string path, string entryName, Action<byte[]> change)
        => RewriteEntry(path, entryName, bytes => { change(bytes); return bytes; });

    private static void RewriteEntry(string path, string entryName, Func<byte[], byte[]> change)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry(entryName) ?? throw new AssertFailedException($"no entry {entryName}");
        byte[] content;
        using (var stream = entry.Open())
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            content = copy.ToArray();
        }
        entry.Delete();
        using var output = zip.CreateEntry(entryName).Open();
        output.Write(change(content));
    }
}
