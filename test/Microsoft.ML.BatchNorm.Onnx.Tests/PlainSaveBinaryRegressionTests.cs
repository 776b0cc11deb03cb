using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>
/// With the companion package referenced, plain Model.Save of a pipeline with BatchNormalize and a binary or regression
/// MultilayerPerceptron writes a file that plain Model.Load reads in a fresh process (no registration): the columns the
/// README promises (names and types as in memory, without the scorer annotations), scores within 1e-6 of the in-memory
/// model, the same PredictedLabel on every row (false where a feature is NaN), working Evaluate and PredictionEngine; and LoadWithNetworks of
/// the same file gives our transformer back, scoring bit for bit as before saving.
/// </summary>
[TestClass]
public sealed class PlainSaveBinaryRegressionTests
{
    private const double Tolerance = 1e-6;

    /// <summary>The digits: Label = digit &lt; 5, Target = the digit; every 7th test row has a NaN feature.</summary>
    private static (ScalarTaskRow[] Train, ScalarTaskRow[] Test) Digits()
    {
        var data = DigitsDataset.Load();
        var rows = Enumerable.Range(0, data.Count).Select(i => new ScalarTaskRow
        {
            Features = data.Features.AsSpan(i * data.FeatureCount, data.FeatureCount).ToArray(),
            Label = data.Labels[i] < 5,
            Target = data.Labels[i],
        }).ToArray();
        new Random(1).Shuffle(rows);
        int test = rows.Length / 5;
        var testRows = rows[..test];
        for (int i = 0; i < testRows.Length; i += 7)
            testRows[i] = new ScalarTaskRow { Features = [.. testRows[i].Features], Label = testRows[i].Label, Target = testRows[i].Target };
        for (int i = 0; i < testRows.Length; i += 7)
            testRows[i].Features[i % testRows[i].Features.Length] = float.NaN;
        return (rows[test..], testRows);
    }

    private static (IDataView Scored, string Path, float LabelStandardDeviation) TrainAndSave(string task, ScalarTaskRow[] train, ScalarTaskRow[] test, bool batchNormalize)
    {
        var ml = new MLContext(seed: 1);
        var normalize = batchNormalize ? (IEstimator<ITransformer>)ml.Transforms.BatchNormalize("Features") : ml.Transforms.CopyColumns("Features", "Features");
        ITransformer model = task == "binary"
            ? normalize.Append(ml.BinaryClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [16, 8], numberOfEpochs: 5)).Fit(ScalarTaskChild.Data(ml, train))
            : normalize.Append(ml.Regression.Trainers.MultilayerPerceptron(labelColumnName: nameof(ScalarTaskRow.Target), hiddenLayerSizes: [16, 8], numberOfEpochs: 5)).Fit(ScalarTaskChild.Data(ml, train));
        var testData = ScalarTaskChild.Data(ml, test);
        string path = Path.Combine(Path.GetTempPath(), $"bn-plain-{task}-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, testData.Schema, path);
        float labelStandardDeviation = ((IEnumerable<ITransformer>)model).OfType<Trainers.MultilayerPerceptronRegressionPredictionTransformer>().FirstOrDefault()?.LabelStandardDeviation ?? 1f;
        return (model.Transform(testData), path, labelStandardDeviation);
    }

    /// <summary>Asserts |expected - actual| &lt;= tolerance * scale per row, scale = 1 (absolute) or
    /// max(|expected|, <paramref name="relativeFloor"/>) (relative; a floor of 0 is plainly relative).</summary>
    private static void AssertClose(float[] expected, float[] actual, double tolerance, bool relative, string what, float relativeFloor = 0f)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        double worst = 0;
        int worstRow = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(float.IsNaN(expected[i]), float.IsNaN(actual[i]), $"NaN-ness of {what} of row {i}");
            double difference = Math.Abs(expected[i] - actual[i]) / (relative ? Math.Max(Math.Abs(expected[i]), Math.Max(relativeFloor, 1e-30)) : 1);
            if (!float.IsNaN(expected[i]) && difference > worst)
                (worst, worstRow) = (difference, i);
        }
        Assert.IsTrue(worst <= tolerance, $"largest {(relative ? "relative " : "")}{what} difference {worst:E2} (tolerance {tolerance:E0}), row {worstRow}: {expected[worstRow]:R} in memory, {actual[worstRow]:R} loaded");
    }

    [TestMethod]
    [DataRow("binary", true)]
    [DataRow("regression", true)]
    [DataRow("binary", false)]
    [DataRow("regression", false)]
    public void PlainSaveLoadsInFreshProcess(string task, bool batchNormalize)
    {
        var (train, test) = Digits();
        var (scored, path, labelStandardDeviation) = TrainAndSave(task, train, test, batchNormalize);
        try
        {
            var ml = new MLContext();
            var report = ScalarTaskChild.Load(path, test, task, withNetworks: false);
            Assert.IsNull(report.Error, report.Error);
            Assert.AreEqual(0, report.OurAssembliesBeforeLoad.Length, string.Join(", ", report.OurAssembliesBeforeLoad));
            // Columns: as in memory, same types; the task's columns lose the scorer annotations
            // (the README says so), every other column keeps its annotations.
            string[] taskColumns = task == "binary" ? ["PredictedLabel", "Score", "Probability"] : ["Score"];
            // (BatchNormalize in place moves Features within the input columns after loading, as for multiclass; the
            // task's columns come last, in the in-memory order.)
            var names = scored.Schema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray();
            CollectionAssert.AreEquivalent(names, report.ColumnNames, "visible columns after loading");
            CollectionAssert.AreEqual(taskColumns, names[^taskColumns.Length..], "in memory, the task's columns come last");
            CollectionAssert.AreEqual(taskColumns, report.ColumnNames[^taskColumns.Length..], "after loading, the task's columns come last, in the same order");
            foreach (var column in scored.Schema.Where(c => !c.IsHidden))
            {
                Assert.AreEqual(column.Type.ToString(), report.ColumnTypes[column.Name], column.Name);
                var promised = taskColumns.Contains(column.Name) ? [] : AnnotationText.Describe(column.Annotations);
                Assert.AreEqual(string.Join("; ", promised), string.Join("; ", report.ColumnAnnotations[column.Name]), $"annotations of {column.Name} after loading");
            }

            var scores = scored.GetColumn<float>("Score").ToArray();
            Assert.IsTrue(scores.Count(float.IsNaN) >= test.Length / 7, "the NaN rows score NaN in memory");
            if (task == "binary")
            {
                AssertClose(scores, report.Scores, Tolerance, relative: false, "Score");
                AssertClose(scored.GetColumn<float>("Probability").ToArray(), report.Probabilities, Tolerance, relative: false, "Probability");
                CollectionAssert.AreEqual(scored.GetColumn<bool>("PredictedLabel").ToArray(), report.PredictedLabels, "PredictedLabel");
            }
            else
            {
                // Without BatchNormalize in front: relative to the score. With it, plain Save stores BatchNormalize as
                // ML.NET's float affine normalizer, which moves the network's input by an ulp or so; a regression
                // score is LabelMean + LabelStandardDeviation * output, so near zero that shift cancels against the
                // mean (seen: 4.7e-6 relative, 9.6e-7 absolute, on a score of -0.2 with LabelMean about 4.5); there the
                // difference is measured against max(|score|, LabelStandardDeviation), the label's own scale.
                AssertClose(scores, report.Scores, Tolerance, relative: true, "Score", batchNormalize ? labelStandardDeviation : 0f);
            }
            // PredictionEngine after loading gives what Transform gave after loading (row by row, the same ONNX model).
            int n = ScalarTaskChild.EngineRows;
            CollectionAssert.AreEqual(report.Scores[..n], report.EngineScores, "PredictionEngine Score");
            if (task == "binary")
            {
                CollectionAssert.AreEqual(report.Probabilities[..n], report.EngineProbabilities, "PredictionEngine Probability");
                CollectionAssert.AreEqual(report.PredictedLabels[..n], report.EngineLabels, "PredictionEngine PredictedLabel");
            }
            var metrics = ScalarTaskChild.Metrics(ml, scored, task);
            for (int m = 0; m < metrics.Length; m++)
                Assert.AreEqual(metrics[m], report.Metrics[m], 1e-5 * Math.Max(1, Math.Abs(metrics[m])), $"metric {m} after loading");

        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>LoadWithNetworks of a plain-saved file gives our transformer back, scoring bit for bit as before
    /// saving. (No BatchNormalize here: plain Save stores it as ML.NET's affine normalizer, whose float arithmetic moves
    /// the network's input by an ulp or so.)</summary>
    [TestMethod]
    [DataRow("binary")]
    [DataRow("regression")]
    public void LoadWithNetworksReadsPlainSavedFileIntoOurTransformer(string task)
    {
        var (train, test) = Digits();
        var (scored, path, _) = TrainAndSave(task, train, test, batchNormalize: false);
        try
        {
            var ml = new MLContext();
            var ours = ScalarTaskChild.Load(path, test, task, withNetworks: true);
            Assert.IsNull(ours.Error, ours.Error);
            CollectionAssert.AreEqual(new[] { task == "binary" ? "MultilayerPerceptronBinaryPredictionTransformer" : "MultilayerPerceptronRegressionPredictionTransformer" }, ours.NetworkTypes);
            CollectionAssert.AreEqual(scored.GetColumn<float>("Score").ToArray(), ours.Scores, "Score, bit for bit, after LoadWithNetworks");
            if (task == "binary")
            {
                CollectionAssert.AreEqual(scored.GetColumn<float>("Probability").ToArray(), ours.Probabilities, "Probability, bit for bit");
                CollectionAssert.AreEqual(scored.GetColumn<bool>("PredictedLabel").ToArray(), ours.PredictedLabels, "PredictedLabel");
            }
            CollectionAssert.AreEqual(ScalarTaskChild.Metrics(ml, scored, task), ours.Metrics, "metrics after LoadWithNetworks");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A plain-saved network whose graph names a task this version does not know (as a newer version might
    /// write) is refused by LoadWithNetworks with an InvalidDataException naming the task and the update, never read
    /// as another task.</summary>
    [TestMethod]
    public void LoadWithNetworksRefusesAnUnknownTask()
    {
        var (train, test) = Digits();
        var (_, path, _) = TrainAndSave("binary", train, test, batchNormalize: false);
        try
        {
            // The task travels as a string in the ONNX model's metadata; replace it by one of the same length.
            byte[] from = System.Text.Encoding.UTF8.GetBytes("BinaryClassification"), to = System.Text.Encoding.UTF8.GetBytes("FutureClassification");
            Assert.AreEqual(from.Length, to.Length);
            using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Update))
            {
                var entry = zip.Entries.Single(e => e.FullName.EndsWith("/OnnxModel", StringComparison.Ordinal));
                byte[] content;
                using (var stream = entry.Open())
                using (var copy = new MemoryStream())
                {
                    stream.CopyTo(copy);
                    content = copy.ToArray();
                }
                int at = content.AsSpan().IndexOf(from);
                Assert.IsTrue(at > 0, "the task is in the ONNX model");
                Assert.AreEqual(-1, content.AsSpan(at + 1).IndexOf(from), "the task appears once");
                to.CopyTo(content, at);
                string name = entry.FullName;
                entry.Delete();
                using var write = zip.CreateEntry(name).Open();
                write.Write(content);
            }
            var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadWithNetworks(path, out _));
            StringAssert.Contains(error.Message, "'FutureClassification'");
            StringAssert.Contains(error.Message, "Update the package");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
