using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

/// <summary>
/// Saving binary and regression networks: plain <c>Model.Save</c> without the companion package names it and the calls
/// to use (with it: PlainSaveBinaryRegressionTests in the Onnx test project); <c>SaveWithNetworks</c> writes format version 3 (the guard layout, so plain <c>Model.Load</c> fails loudly)
/// with the task and the regression label's statistics in the header.
/// </summary>
[TestClass]
public sealed class TaskNetworkPersistenceTests
{
    private static IDataView Normalized(MLContext ml, IDataView data) => ml.Transforms.BatchNormalize("Features").Fit(data).Transform(data);

    private static (ITransformer Model, IDataView Data) Binary()
    {
        var ml = new MLContext(seed: 1);
        var data = Normalized(ml, TabularDatasets.BreastCancer(ml));
        return (ml.BinaryClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [8], numberOfEpochs: 1).Fit(data), data);
    }

    private static (ITransformer Model, IDataView Data) Regression()
    {
        var ml = new MLContext(seed: 1);
        var data = Normalized(ml, TabularDatasets.Diabetes(ml));
        return (ml.Regression.Trainers.MultilayerPerceptron(hiddenLayerSizes: [8], numberOfEpochs: 1).Fit(data), data);
    }

    [TestMethod]
    [DataRow("binary")]
    [DataRow("regression")]
    public void PlainModelSaveWithoutTheCompanionNamesItAndTheRightCalls(string task)
    {
        var (model, data) = task == "binary" ? Binary() : Regression();
        using var stream = new MemoryStream();
        var error = Assert.ThrowsExactly<NotSupportedException>(() => new MLContext().Model.Save(model, data.Schema, stream));
        // This test project does not reference the companion package: the message names it.
        StringAssert.Contains(error.Message, "BatchNormExtensions.ML.Onnx");
        StringAssert.Contains(error.Message, "mlContext.Model.SaveWithNetworks");
        StringAssert.Contains(error.Message, "mlContext.Model.LoadWithNetworks");
    }

    [TestMethod]
    [DataRow("binary", "Binary")]
    [DataRow("regression", "Regression")]
    public void SaveWithNetworksWritesVersion2WithTheGuardAndTheTask(string task, string headerTask)
    {
        var (model, data) = task == "binary" ? Binary() : Regression();
        string path = Path.Combine(Path.GetTempPath(), $"mlp-task-v2-{Guid.NewGuid():N}.zip");
        try
        {
            new MLContext().Model.SaveWithNetworks(model, data.Schema, path);
            using (var zip = ZipFile.OpenRead(path))
            {
                using var manifest = JsonDocument.Parse(ReadEntry(zip, "BatchNormExtensions/manifest.json"));
                Assert.AreEqual(3, manifest.RootElement.GetProperty("FormatVersion").GetInt32());
                string before = manifest.RootElement.GetProperty("Before").GetString()!;
                Assert.IsNotNull(zip.GetEntry(before), "the built-in part before the network is under BatchNormExtensions/");
                using var header = JsonDocument.Parse(ReadEntry(zip, "BatchNormExtensions/network-1.json"));
                Assert.AreEqual(headerTask, header.RootElement.GetProperty("Task").GetString());
                if (task == "regression")
                {
                    Assert.AreEqual(JsonValueKind.Number, header.RootElement.GetProperty("LabelMean").ValueKind);
                    Assert.IsGreaterThan(0f, header.RootElement.GetProperty("LabelStandardDeviation").GetSingle());
                }
            }

            // Plain Load cannot run the network: it fails loudly naming LoadWithNetworks (wrapped by ML.NET's reflection).
            var error = Assert.ThrowsExactly<System.Reflection.TargetInvocationException>(() => new MLContext().Model.Load(path, out _));
            Assert.IsInstanceOfType<NotSupportedException>(error.InnerException);
            StringAssert.Contains(error.InnerException.Message, "LoadWithNetworks");

            // LoadWithNetworks gives the same scores back.
            var loaded = new MLContext().Model.LoadWithNetworks(path, out _);
            DataViewAssert.AreEqual(model.Transform(data), loaded.Transform(data), NumericTolerance.RelativeOrAbsolute(1e-5), what: "loaded against the original");

            // A newer format version is refused.
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
            {
                var entry = zip.GetEntry("BatchNormExtensions/manifest.json")!;
                string text = Encoding.UTF8.GetString(ReadEntry(zip, entry.FullName));
                entry.Delete();
                using var output = zip.CreateEntry(entry.FullName).Open();
                output.Write(Encoding.UTF8.GetBytes(text.Replace("\"FormatVersion\": 3", $"\"FormatVersion\": {NetworkModelOperations.FormatVersion + 1}")));
            }
            var newer = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadWithNetworks(path, out _));
            StringAssert.Contains(newer.Message, "newer");
        }
        finally
        {
            File.Delete(path);
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
}
