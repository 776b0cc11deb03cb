using System.Diagnostics;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>ExportToOnnx: the standalone ONNX models, run by ONNX Runtime, give our scores.</summary>
[TestClass]
public sealed class OnnxExportTests
{
    private const double Tolerance = 1e-6;

    private static readonly Lazy<(MultilayerPerceptronPredictionTransformer Mlp, BatchNormalizingTransformer BatchNorm, LabeledRow[] Test, float[][] Normalized, float[][] Scores)> Trained = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = OnnxTestData.Digits();
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.BatchNormalize("Normalized", "Features"))
            .Append(ml.MulticlassClassification.Trainers.MultilayerPerceptron(featureColumnName: "Normalized", hiddenLayerSizes: [32, 16], numberOfEpochs: 2))
            .Fit(OnnxTestData.Load(ml, train));
        var scored = model.Transform(OnnxTestData.Load(ml, test));
        var normalized = scored.GetColumn<float[]>("Normalized").ToArray();
        var items = model.ToArray();
        return ((MultilayerPerceptronPredictionTransformer)items[^1], (BatchNormalizingTransformer)items[1], test, normalized,
            OnnxTestData.Scores(ml, scored));
    });

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void MultilayerPerceptronScoresMatchInOnnxRuntime(bool fold)
    {
        var (mlp, _, _, normalized, scores) = Trained.Value;
        using var stream = new MemoryStream();
        mlp.ExportToOnnx(stream, new OnnxExportOptions { FoldBatchNormalization = fold });
        using var session = new InferenceSession(stream.ToArray());
        Assert.AreEqual("Normalized", session.InputMetadata.Keys.Single());
        Assert.AreEqual("Score", session.OutputMetadata.Keys.Single());
        CollectionAssert.AreEqual(new[] { -1, 64 }, session.InputMetadata["Normalized"].Dimensions);
        CollectionAssert.AreEqual(new[] { -1, 10 }, session.OutputMetadata["Score"].Dimensions);
        CollectionAssert.AreEqual(new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }.OrderBy(s => s).ToArray(),
            System.Text.Json.JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["BatchNormExtensions.ClassLabels"])!.OrderBy(s => s).ToArray());

        int offset = 0;
        foreach (int batch in new[] { 1, 7, 33 })
        {
            var output = Run(session, "Normalized", normalized.Skip(offset).Take(batch).ToArray());
            AssertClose(scores.Skip(offset).Take(batch).ToArray(), output, $"fold {fold}, batch {batch}");
            offset += batch;
        }
    }

    /// <summary>The digits network with dense + bias -> ReLU -> batch norm hidden layers, its test inputs and scores.</summary>
    private static readonly Lazy<(MultilayerPerceptronPredictionTransformer Mlp, float[][] Normalized, float[][] Scores)> TrainedAfterActivation = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = OnnxTestData.Digits();
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.BatchNormalize("Normalized", "Features"))
            .Append(ml.MulticlassClassification.Trainers.MultilayerPerceptron(new MultilayerPerceptronTrainer.Options
            {
                FeatureColumnName = "Normalized", HiddenLayerSizes = [32, 16], NumberOfEpochs = 2,
                BatchNormalizationPlacement = MultilayerPerceptronBatchNormalizationPlacement.AfterActivation,
            }))
            .Fit(OnnxTestData.Load(ml, train));
        var scored = model.Transform(OnnxTestData.Load(ml, test));
        return ((MultilayerPerceptronPredictionTransformer)model.ToArray()[^1], scored.GetColumn<float[]>("Normalized").ToArray(),
            OnnxTestData.Scores(ml, scored));
    });

    /// <summary>
    /// Batch normalization after the activation: folded into the next layer's Gemm, or unfolded as Gemm -> Relu ->
    /// BatchNormalization, ONNX Runtime gives our scores.
    /// </summary>
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void AfterActivationScoresMatchInOnnxRuntime(bool fold)
    {
        var (mlp, normalized, scores) = TrainedAfterActivation.Value;
        Assert.AreEqual(MultilayerPerceptronBatchNormalizationPlacement.AfterActivation, mlp.Model.Layers[0].BatchNormalizationPlacement);
        using var stream = new MemoryStream();
        mlp.ExportToOnnx(stream, new OnnxExportOptions { FoldBatchNormalization = fold });
        using var session = new InferenceSession(stream.ToArray());
        int offset = 0;
        foreach (int batch in new[] { 1, 7, 33 })
        {
            var output = Run(session, "Normalized", normalized.Skip(offset).Take(batch).ToArray());
            AssertClose(scores.Skip(offset).Take(batch).ToArray(), output, $"after the activation, fold {fold}, batch {batch}");
            offset += batch;
        }
    }

    /// <summary>
    /// The graph plain Save embeds marks a network with batch normalization after the activation as network format 2
    /// (a reader of format 1 refuses it instead of reading it as dense -> BN -> ReLU); other networks keep format 1.
    /// </summary>
    [TestMethod]
    public void TheEmbeddedGraphMarksTheAfterActivationPlacement()
    {
        static string Marker(MultilayerPerceptronPredictionTransformer mlp) =>
            OnnxMetadataReader.Read(Persistence.EmbeddedNetworkGraphAccess.Build(mlp))[EmbeddedNetworkGraph.MarkerKey];
        Assert.AreEqual("Microsoft.ML.BatchNorm.Network/1", Marker(Trained.Value.Mlp));
        Assert.AreEqual("Microsoft.ML.BatchNorm.Network/2", Marker(TrainedAfterActivation.Value.Mlp));
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void BatchNormalizeOutputsMatchInOnnxRuntime(bool fold)
    {
        var (_, batchNorm, test, normalized, _) = Trained.Value;
        using var stream = new MemoryStream();
        batchNorm.ExportToOnnx(stream, new OnnxExportOptions { FoldBatchNormalization = fold });
        using var session = new InferenceSession(stream.ToArray());
        Assert.AreEqual("Features", session.InputMetadata.Keys.Single());
        Assert.AreEqual("Normalized", session.OutputMetadata.Keys.Single());
        int offset = 0;
        foreach (int batch in new[] { 1, 7, 33 })
        {
            var output = Run(session, "Features", test.Skip(offset).Take(batch).Select(r => r.Features).ToArray());
            AssertClose(normalized.Skip(offset).Take(batch).ToArray(), output, $"fold {fold}, batch {batch}");
            offset += batch;
        }
    }

    [TestMethod]
    public void InPlaceColumnGetsTheOutputSuffix()
    {
        var ml = new MLContext(seed: 1);
        var (train, _) = OnnxTestData.Digits();
        var transformer = ml.Transforms.BatchNormalize("Features").Fit(OnnxTestData.Load(ml, train));
        string path = Path.Combine(Path.GetTempPath(), $"bn-inplace-{Guid.NewGuid():N}.onnx");
        try
        {
            transformer.ExportToOnnx(path);
            using var session = new InferenceSession(path);
            Assert.AreEqual("Features", session.InputMetadata.Keys.Single());
            Assert.AreEqual("Features.output", session.OutputMetadata.Keys.Single());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void ArgumentsAreChecked()
    {
        var (mlp, batchNorm, _, _, _) = Trained.Value;
        Assert.ThrowsExactly<ArgumentNullException>(() => ((MultilayerPerceptronPredictionTransformer)null!).ExportToOnnx(new MemoryStream()));
        Assert.ThrowsExactly<ArgumentNullException>(() => mlp.ExportToOnnx((Stream)null!));
        Assert.ThrowsExactly<ArgumentException>(() => batchNorm.ExportToOnnx(new MemoryStream([], writable: false)));
        Assert.ThrowsExactly<ArgumentException>(() => batchNorm.ExportToOnnx(""));
    }

    /// <summary>python3-onnx's full checker (type and shape inference included) accepts both exports.</summary>
    [TestMethod]
    public void OnnxCheckerAcceptsTheModels()
    {
        var (mlp, batchNorm, _, _, _) = Trained.Value;
        string directory = Path.Combine(Path.GetTempPath(), $"bn-onnx-check-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var paths = new List<string>();
            foreach (bool fold in new[] { true, false })
            {
                paths.Add(Path.Combine(directory, $"mlp-{fold}.onnx"));
                mlp.ExportToOnnx(paths[^1], new OnnxExportOptions { FoldBatchNormalization = fold });
                paths.Add(Path.Combine(directory, $"bn-{fold}.onnx"));
                batchNorm.ExportToOnnx(paths[^1], new OnnxExportOptions { FoldBatchNormalization = fold });
            }
            // The model plain Model.Save puts inside ML.NET's OnnxTransformer.
            paths.Add(Path.Combine(directory, "embedded.onnx"));
            File.WriteAllBytes(paths[^1], Persistence.EmbeddedNetworkGraphAccess.Build(mlp));
            // Batch normalization after the activation: both exports and the embedded graph.
            var after = TrainedAfterActivation.Value.Mlp;
            foreach (bool fold in new[] { true, false })
            {
                paths.Add(Path.Combine(directory, $"mlp-after-{fold}.onnx"));
                after.ExportToOnnx(paths[^1], new OnnxExportOptions { FoldBatchNormalization = fold });
            }
            paths.Add(Path.Combine(directory, "embedded-after.onnx"));
            File.WriteAllBytes(paths[^1], Persistence.EmbeddedNetworkGraphAccess.Build(after));
            string script = "import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\nprint('ok')";
            // The first python3 on the PATH may be another installation than Debian's (which python3-onnx serves).
            (int ExitCode, string Output) result = (-1, "");
            foreach (var python in new[] { "python3", "/usr/bin/python3" })
            {
                result = RunPython(python, ["-c", script, .. paths]);
                if (result.ExitCode != -1 && !result.Output.Contains("No module named 'onnx'"))
                    break;
            }
            var (exitCode, output) = result;
            if (exitCode == -1 || output.Contains("No module named 'onnx'"))
                Assert.Inconclusive("python3 with the onnx module (Debian: python3-onnx) is not installed: " + output);
            Assert.AreEqual(0, exitCode, output);
            StringAssert.Contains(output, "ok");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (int ExitCode, string Output) RunPython(string python, string[] arguments)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    private static float[][] Run(InferenceSession session, string input, float[][] rows)
    {
        int d = rows[0].Length;
        var tensor = new DenseTensor<float>(rows.SelectMany(r => r).ToArray(), [rows.Length, d]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
        var output = results.Single().AsTensor<float>();
        Assert.AreEqual(2, output.Dimensions.Length);
        Assert.AreEqual(rows.Length, output.Dimensions[0]);
        int k = output.Dimensions[1];
        return Enumerable.Range(0, rows.Length).Select(i => Enumerable.Range(0, k).Select(j => output[i, j]).ToArray()).ToArray();
    }

    private static void AssertClose(float[][] expected, float[][] actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i].Length, actual[i].Length, what);
            for (int j = 0; j < expected[i].Length; j++)
                worst = Math.Max(worst, Math.Abs(expected[i][j] - actual[i][j]) / Math.Max(1.0, Math.Abs(expected[i][j])));
        }
        Assert.IsTrue(worst <= Tolerance, $"{what}: largest difference {worst:E2} > {Tolerance:E0}");
    }
}
