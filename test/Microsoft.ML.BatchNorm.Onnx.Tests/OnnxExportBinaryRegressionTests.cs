using System.Diagnostics;
using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>
/// ExportToOnnx of binary and regression networks: ONNX Runtime gives our Score (the logit; regression: in the
/// label's units) and Probability within 1e-6 (relative above 1) on batches of 1, 7 and 33 rows, folded and unfolded;
/// python3-onnx's full checker accepts the exports and the graphs plain Save embeds.
/// </summary>
[TestClass]
public sealed class OnnxExportBinaryRegressionTests
{
    private const double Tolerance = 1e-6;

    private sealed class Trained
    {
        public required MultilayerPerceptronBinaryPredictionTransformer Binary { get; init; }
        public required MultilayerPerceptronRegressionPredictionTransformer Regression { get; init; }
        public required float[][] Normalized { get; init; }
        public required float[] BinaryScores { get; init; }
        public required float[] Probabilities { get; init; }
        public required float[] RegressionScores { get; init; }
    }

    /// <summary>Digits (Label = digit &lt; 5, Target = the digit) through BatchNormalize("Normalized") into both networks.</summary>
    private static readonly Lazy<Trained> Models = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var data = DigitsDataset.Load();
        var rows = Enumerable.Range(0, data.Count).Select(i => new ScalarTaskRow
        {
            Features = data.Features.AsSpan(i * data.FeatureCount, data.FeatureCount).ToArray(),
            Label = data.Labels[i] < 5,
            Target = data.Labels[i],
        }).ToArray();
        new Random(1).Shuffle(rows);
        var train = ScalarTaskChild.Data(ml, rows[360..]);
        var test = ScalarTaskChild.Data(ml, rows[..41]);
        var normalize = ml.Transforms.BatchNormalize("Normalized", "Features").Fit(train);
        var binary = ml.BinaryClassification.Trainers.MultilayerPerceptron(featureColumnName: "Normalized", hiddenLayerSizes: [32, 16], numberOfEpochs: 3)
            .Fit(normalize.Transform(train));
        var regression = ml.Regression.Trainers.MultilayerPerceptron(labelColumnName: nameof(ScalarTaskRow.Target), featureColumnName: "Normalized", hiddenLayerSizes: [32, 16], numberOfEpochs: 3)
            .Fit(normalize.Transform(train));
        var normalized = normalize.Transform(test);
        var binaryScored = binary.Transform(normalized);
        return new Trained
        {
            Binary = binary,
            Regression = regression,
            Normalized = normalized.GetColumn<float[]>("Normalized").ToArray(),
            BinaryScores = binaryScored.GetColumn<float>("Score").ToArray(),
            Probabilities = binaryScored.GetColumn<float>("Probability").ToArray(),
            RegressionScores = regression.Transform(normalized).GetColumn<float>("Score").ToArray(),
        };
    });

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void BinaryScoresMatchInOnnxRuntime(bool fold)
    {
        var m = Models.Value;
        using var stream = new MemoryStream();
        m.Binary.ExportToOnnx(stream, new OnnxExportOptions { FoldBatchNormalization = fold });
        using var session = new InferenceSession(stream.ToArray());
        Assert.AreEqual("Normalized", session.InputMetadata.Keys.Single());
        CollectionAssert.AreEqual(new[] { "Score", "Probability" }, session.OutputMetadata.Keys.ToArray());
        CollectionAssert.AreEqual(new[] { -1, 64 }, session.InputMetadata["Normalized"].Dimensions);
        CollectionAssert.AreEqual(new[] { -1, 1 }, session.OutputMetadata["Score"].Dimensions);
        CollectionAssert.AreEqual(new[] { -1, 1 }, session.OutputMetadata["Probability"].Dimensions);
        int offset = 0;
        foreach (int batch in new[] { 1, 7, 33 })
        {
            var outputs = Run(session, m.Normalized.Skip(offset).Take(batch).ToArray());
            AssertClose(m.BinaryScores.Skip(offset).Take(batch).ToArray(), outputs["Score"], $"Score, fold {fold}, batch {batch}");
            AssertClose(m.Probabilities.Skip(offset).Take(batch).ToArray(), outputs["Probability"], $"Probability, fold {fold}, batch {batch}");
            offset += batch;
        }
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void RegressionScoresMatchInOnnxRuntime(bool fold)
    {
        var m = Models.Value;
        using var stream = new MemoryStream();
        m.Regression.ExportToOnnx(stream, new OnnxExportOptions { FoldBatchNormalization = fold });
        using var session = new InferenceSession(stream.ToArray());
        Assert.AreEqual("Score", session.OutputMetadata.Keys.Single());
        CollectionAssert.AreEqual(new[] { -1, 1 }, session.OutputMetadata["Score"].Dimensions);
        int offset = 0;
        foreach (int batch in new[] { 1, 7, 33 })
        {
            var outputs = Run(session, m.Normalized.Skip(offset).Take(batch).ToArray());
            AssertClose(m.RegressionScores.Skip(offset).Take(batch).ToArray(), outputs["Score"], $"Score, fold {fold}, batch {batch}");
            offset += batch;
        }
    }

    [TestMethod]
    public void ArgumentsAreChecked()
    {
        var m = Models.Value;
        Assert.ThrowsExactly<ArgumentNullException>(() => ((MultilayerPerceptronBinaryPredictionTransformer)null!).ExportToOnnx(new MemoryStream()));
        Assert.ThrowsExactly<ArgumentNullException>(() => ((MultilayerPerceptronRegressionPredictionTransformer)null!).ExportToOnnx(new MemoryStream()));
        Assert.ThrowsExactly<ArgumentException>(() => m.Binary.ExportToOnnx(new MemoryStream([], writable: false)));
        Assert.ThrowsExactly<ArgumentException>(() => m.Regression.ExportToOnnx(""));
    }

    /// <summary>python3-onnx's full checker (type and shape inference included) accepts the exports (folded and not)
    /// and the graphs plain Save embeds for these tasks.</summary>
    [TestMethod]
    public void OnnxCheckerAcceptsTheModels()
    {
        var m = Models.Value;
        string directory = Path.Combine(Path.GetTempPath(), $"bn-onnx-check-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var paths = new List<string>();
            foreach (bool fold in new[] { true, false })
            {
                paths.Add(Path.Combine(directory, $"binary-{fold}.onnx"));
                m.Binary.ExportToOnnx(paths[^1], new OnnxExportOptions { FoldBatchNormalization = fold });
                paths.Add(Path.Combine(directory, $"regression-{fold}.onnx"));
                m.Regression.ExportToOnnx(paths[^1], new OnnxExportOptions { FoldBatchNormalization = fold });
            }
            paths.Add(Path.Combine(directory, "embedded-binary.onnx"));
            File.WriteAllBytes(paths[^1], Persistence.EmbeddedNetworkGraphAccess.Build(m.Binary));
            paths.Add(Path.Combine(directory, "embedded-regression.onnx"));
            File.WriteAllBytes(paths[^1], Persistence.EmbeddedNetworkGraphAccess.Build(m.Regression));
            string script = "import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\nprint('ok')";
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-c", script }.Concat(paths)) start.ArgumentList.Add(a);
            if (!File.Exists(start.FileName))
                Assert.Inconclusive("/usr/bin/python3 is not installed");
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd() + stderr.Result;
            process.WaitForExit();
            if (output.Contains("No module named 'onnx'"))
                Assert.Inconclusive("python3 has no onnx module (Debian: python3-onnx): " + output);
            Assert.AreEqual(0, process.ExitCode, output);
            StringAssert.Contains(output, "ok");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Each output's column 0 per row (every output is [N, 1]).</summary>
    private static Dictionary<string, float[]> Run(InferenceSession session, float[][] rows)
    {
        var tensor = new DenseTensor<float>(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Normalized", tensor)]);
        var outputs = new Dictionary<string, float[]>();
        foreach (var result in results)
        {
            var t = result.AsTensor<float>();
            CollectionAssert.AreEqual(new[] { rows.Length, 1 }, t.Dimensions.ToArray(), result.Name);
            outputs[result.Name] = Enumerable.Range(0, rows.Length).Select(i => t[i, 0]).ToArray();
        }
        return outputs;
    }

    /// <summary>|expected - actual| &lt;= 1e-6 * max(1, |expected|) on every row.</summary>
    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]) / Math.Max(1.0, Math.Abs(expected[i])));
        Assert.IsTrue(worst <= Tolerance, $"{what}: largest difference {worst:E2} > {Tolerance:E0}");
    }
}
