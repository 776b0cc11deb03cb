using System.Globalization;
using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.ML.Transforms;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>
/// With the companion package referenced, plain Model.Save of a pipeline with BatchNormalize and a MultilayerPerceptron
/// writes a file that plain Model.Load reads in a fresh process (no registration): the columns and annotations the
/// README promises, scores within 1e-6, the same PredictedLabel on every row (key 0 where a feature is NaN),
/// MapKeyToValue giving the in-memory type and values for text, UInt32 and Single labels, and working Transform,
/// PredictionEngine and Evaluate.
/// </summary>
[TestClass]
public sealed class PlainSaveLoadTests
{
    private const float ScoreTolerance = 1e-6f;

    /// <summary>The label's type before MapValueToKey (the rows hold it as text; the pipeline converts it).</summary>
    public enum LabelKind
    {
        Text,
        UInt32,
        Single,
    }

    private static IEstimator<ITransformer> ToKey(MLContext ml, LabelKind kind) => kind switch
    {
        LabelKind.Text => ml.Transforms.Conversion.MapValueToKey("Label"),
        LabelKind.UInt32 => ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.UInt32)
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)),
        LabelKind.Single => ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Single)
            .Append(ml.Transforms.Conversion.MapValueToKey("Label")),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static (ITransformer Model, IDataView Scored, string Path) TrainAndSave(LabeledRow[] train, LabeledRow[] test, int[] hidden, int epochs, string name,
        bool batchNormalize = true, LabelKind labelKind = LabelKind.Text,
        MultilayerPerceptronBatchNormalizationPlacement placement = MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation)
    {
        var ml = new MLContext(seed: 1);
        var model = ToKey(ml, labelKind)
            .Append(batchNormalize ? (IEstimator<ITransformer>)ml.Transforms.BatchNormalize("Features") : ml.Transforms.CopyColumns("Features", "Features"))
            .Append(ml.MulticlassClassification.Trainers.MultilayerPerceptron(new MultilayerPerceptronTrainer.Options
            {
                HiddenLayerSizes = hidden, NumberOfEpochs = epochs, BatchNormalizationPlacement = placement,
            }))
            .Fit(OnnxTestData.Load(ml, train));
        string path = Path.Combine(Path.GetTempPath(), $"bn-plain-{name}-{Guid.NewGuid():N}.zip");
        var testData = OnnxTestData.Load(ml, test);
        ml.Model.Save(model, testData.Schema, path);
        return (model, model.Transform(testData), path);
    }

    /// <summary>
    /// What the README ("Saving") promises of a plain-loaded model's columns against the in-memory model's: the same
    /// visible columns and types, with Score before PredictedLabel (the in-memory model, as ML.NET's scorers, puts
    /// PredictedLabel first; other columns' order is not compared here); PredictedLabel keeps only its KeyValues (values and type the label's), Score has no
    /// annotation (ML.NET's scorer annotations cannot be rebuilt by built-in transforms); other columns unchanged.
    /// </summary>
    private static void AssertPromisedColumns(DataViewSchema inMemory, LoadReport report)
    {
        var names = inMemory.Where(c => !c.IsHidden).Select(c => c.Name).ToList();
        Assert.AreEqual(names.IndexOf("PredictedLabel") + 1, names.IndexOf("Score"), "in memory, Score follows PredictedLabel");
        CollectionAssert.AreEquivalent(names, report.ColumnNames, "visible columns after loading");
        Assert.AreEqual(Array.IndexOf(report.ColumnNames, "Score") + 1, Array.IndexOf(report.ColumnNames, "PredictedLabel"), "after loading, PredictedLabel follows Score");
        foreach (var column in inMemory.Where(c => !c.IsHidden))
        {
            Assert.AreEqual(column.Type.ToString(), report.ColumnTypes[column.Name], column.Name);
            var promised = column.Name switch
            {
                "PredictedLabel" => AnnotationText.Describe(column.Annotations).Where(a => a.StartsWith("KeyValues:", StringComparison.Ordinal)).ToArray(),
                "Score" => [],
                _ => AnnotationText.Describe(column.Annotations),
            };
            Assert.AreEqual(string.Join("; ", promised), string.Join("; ", report.ColumnAnnotations[column.Name]), $"annotations of {column.Name} after loading");
        }
        Assert.AreEqual(1, AnnotationText.Describe(inMemory["PredictedLabel"].Annotations).Count(a => a.StartsWith("KeyValues:", StringComparison.Ordinal)));
    }

    private static void AssertFreshProcessLoadMatches(LabeledRow[] train, LabeledRow[] test, int[] hidden, int epochs, string name,
        MultilayerPerceptronBatchNormalizationPlacement placement = MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation)
    {
        var (_, scored, path) = TrainAndSave(train, test, hidden, epochs, name, placement: placement);
        AssertFreshProcessLoadMatches(scored, path, test);
    }

    /// <summary>Loads <paramref name="path"/> in a fresh process and compares it with the in-memory <paramref name="scored"/> rows; deletes the file.</summary>
    private static void AssertFreshProcessLoadMatches(IDataView scored, string path, LabeledRow[] test)
    {
        try
        {
            var ml = new MLContext();
            var report = ChildProcess.LoadInFreshProcess(path, test);
            Assert.IsNull(report.Error, report.Error);
            Assert.AreEqual(0, report.OurAssembliesBeforeLoad.Length, string.Join(", ", report.OurAssembliesBeforeLoad));
            AssertPromisedColumns(scored.Schema, report);

            var scores = scored.GetColumn<float[]>("Score").ToArray();
            var labels = scored.GetColumn<uint>("PredictedLabel").ToArray();
            Assert.AreEqual(test.Length, report.Scores.Length);
            float worst = 0;
            for (int i = 0; i < scores.Length; i++)
            {
                Assert.AreEqual(labels[i], report.PredictedLabels[i], $"PredictedLabel of row {i}");
                for (int k = 0; k < scores[i].Length; k++)
                {
                    Assert.AreEqual(float.IsNaN(scores[i][k]), float.IsNaN(report.Scores[i][k]), $"NaN-ness of score {k} of row {i}");
                    if (!float.IsNaN(scores[i][k]))
                        worst = Math.Max(worst, Math.Abs(scores[i][k] - report.Scores[i][k]));
                }
            }
            Assert.IsTrue(worst <= ScoreTolerance, $"largest score difference {worst:E2}");

            // MapKeyToValue after loading: the in-memory type and value on every row (the label's missing value on key 0).
            var (valueType, values) = ChildProcess.PredictedValues(ml, scored);
            Assert.AreEqual(valueType, report.PredictedValueType, "MapKeyToValue's type");
            CollectionAssert.AreEqual(values, report.PredictedValues, "MapKeyToValue's values");

            for (int i = 0; i < report.EngineLabels.Length; i++)
            {
                Assert.AreEqual(labels[i], report.EngineLabels[i], $"PredictionEngine row {i}");
                CollectionAssert.AreEqual(report.Scores[i], report.EngineScores[i], $"PredictionEngine row {i}");
            }
            Assert.AreEqual(ml.MulticlassClassification.Evaluate(scored).MicroAccuracy, report.MicroAccuracy, 1e-12);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Digits whose labels are <paramref name="label"/> of the digit, and every 7th test row with a NaN feature.</summary>
    private static (LabeledRow[] Train, LabeledRow[] Test) DigitsWithNaNRows(Func<int, string> label)
    {
        var (train, test) = OnnxTestData.Digits();
        LabeledRow Relabel(LabeledRow row, bool nan) => new()
        {
            Features = row.Features.Select((v, j) => nan && j == 3 ? float.NaN : v).ToArray(),
            Label = label(int.Parse(row.Label, CultureInfo.InvariantCulture)),
        };
        return (train.Select(r => Relabel(r, false)).ToArray(), test.Select((r, i) => Relabel(r, i % 7 == 0)).ToArray());
    }

    /// <summary>
    /// UInt32 and Single labels (and text ones): after plain Save and a fresh process's plain Load, MapKeyToValue gives
    /// the label's type (not text) and the in-memory model's value on every row; rows with a NaN feature get key 0.
    /// The labels include 0, which is therefore not the stand-in for "no class".
    /// </summary>
    [TestMethod]
    [DataRow(LabelKind.UInt32, "UInt32")]
    [DataRow(LabelKind.Single, "Single")]
    [DataRow(LabelKind.Text, "String")]
    public void LabelTypeAndNaNRowsSurvivePlainSaveAndLoad(LabelKind labelKind, string valueType)
    {
        var (train, test) = DigitsWithNaNRows(d => labelKind == LabelKind.Single ? (0.5f * d - 1f).ToString("R", CultureInfo.InvariantCulture) : (2 * d).ToString(CultureInfo.InvariantCulture));
        var (_, scored, path) = TrainAndSave(train, test, [16], 2, $"label-{labelKind}", labelKind: labelKind);
        try
        {
            var (type, _) = ChildProcess.PredictedValues(new MLContext(), scored);
            Assert.AreEqual(valueType, type, "in memory, MapKeyToValue gives the label's type");
            var keys = scored.GetColumn<uint>("PredictedLabel").ToArray();
            Assert.IsTrue(keys.Where((_, i) => i % 7 == 0).All(k => k == 0), "in memory, rows with a NaN feature get key 0");
            Assert.IsTrue(keys.Where((_, i) => i % 7 != 0).All(k => k != 0));
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        AssertFreshProcessLoadMatches(scored, path, test);
    }

    /// <summary>Our load call reads a plain-saved file back into our network transformer: the scores are bit for bit
    /// the in-memory model's, the training history is back. (No BatchNormalize here: plain Save stores it as ML.NET's
    /// affine normalizer, whose float arithmetic moves the network's input by an ulp or so.)</summary>
    [TestMethod]
    public void LoadWithNetworksReadsPlainSavedFileIntoOurScorer()
    {
        var (train, test) = OnnxTestData.Digits();
        var (_, scored, path) = TrainAndSave(train, test, [32, 16], 3, "ours", batchNormalize: false);
        try
        {
            var report = ChildProcess.LoadInFreshProcess(path, test, ChildProcess.NetworksLoad);
            Assert.IsNull(report.Error, report.Error);
            Assert.AreEqual(1, report.NetworkTransformers);
            CollectionAssert.AreEqual(new[] { 3 }, report.HistoryLengths);
            var scores = scored.GetColumn<float[]>("Score").ToArray();
            var labels = scored.GetColumn<uint>("PredictedLabel").ToArray();
            for (int i = 0; i < scores.Length; i++)
            {
                CollectionAssert.AreEqual(scores[i], report.Scores[i], $"Score of row {i} (bit for bit)");
                Assert.AreEqual(labels[i], report.PredictedLabels[i], $"PredictedLabel of row {i}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Batch normalization after the activation, plain-saved: plain Model.Load in a fresh process scores within 1e-6
    /// (the embedded graph folds it into the next Gemm), and our load call reads the network back bit for bit.
    /// </summary>
    [TestMethod]
    public void AfterActivationPipelineLoadsInFreshProcessAndIntoOurScorer()
    {
        var (train, test) = OnnxTestData.Digits();
        var after = MultilayerPerceptronBatchNormalizationPlacement.AfterActivation;
        AssertFreshProcessLoadMatches(train, test, [32, 16], 3, "digits-after", after);

        var (_, scored, path) = TrainAndSave(train, test, [32, 16], 3, "ours-after", batchNormalize: false, placement: after);
        try
        {
            var report = ChildProcess.LoadInFreshProcess(path, test, ChildProcess.NetworksLoad);
            Assert.IsNull(report.Error, report.Error);
            Assert.AreEqual(1, report.NetworkTransformers);
            var scores = scored.GetColumn<float[]>("Score").ToArray();
            for (int i = 0; i < scores.Length; i++)
                CollectionAssert.AreEqual(scores[i], report.Scores[i], $"Score of row {i} (bit for bit)");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A SaveWithNetworks file read with plain Model.Load fails, naming LoadWithNetworks; it never loads without its network.</summary>
    [TestMethod]
    public void PlainLoadOfSaveWithNetworksFileFailsNamingTheCall()
    {
        var (train, test) = OnnxTestData.Digits();
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [8], numberOfEpochs: 1))
            .Fit(OnnxTestData.Load(ml, train));
        string path = Path.Combine(Path.GetTempPath(), $"bn-networks-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveWithNetworks(model, OnnxTestData.Load(ml, test).Schema, path);
            var report = ChildProcess.LoadInFreshProcess(path, test.Take(3).ToArray());
            Assert.IsNotNull(report.Error, "plain Load of a SaveWithNetworks file must fail");
            StringAssert.Contains(report.Error, "NotSupportedException");
            StringAssert.Contains(report.Error, "LoadWithNetworks");

            var ours = ChildProcess.LoadInFreshProcess(path, test.Take(3).ToArray(), ChildProcess.NetworksLoad);
            Assert.IsNull(ours.Error, ours.Error);
            Assert.AreEqual(1, ours.NetworkTransformers);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void DigitsPipelineLoadsInFreshProcess()
    {
        var (train, test) = OnnxTestData.Digits();
        AssertFreshProcessLoadMatches(train, test, [32, 16], 3, "digits");
    }

    [TestMethod]
    public void FashionMnistShapedPipelineLoadsInFreshProcess()
    {
        var (train, test) = OnnxTestData.FashionMnistShaped();
        AssertFreshProcessLoadMatches(train, test, [256, 128], 1, "fashion-shaped");
    }

    [TestMethod]
    public void FashionMnistPipelineLoadsInFreshProcess()
    {
        if (FashionMnistDataset.FindMissingFiles(FashionMnistDataset.DefaultDirectory).Count > 0)
            Assert.Inconclusive($"Fashion-MNIST is not installed in {FashionMnistDataset.DefaultDirectory} (Debian: dataset-fashion-mnist).");
        // Every test row is compared; 12000 training rows keep the test short.
        var train = OnnxTestData.Rows(FashionMnistDataset.Load(FashionMnistDataset.DefaultDirectory, FashionMnistDataset.TrainPart), take: 12000);
        var test = OnnxTestData.Rows(FashionMnistDataset.Load(FashionMnistDataset.DefaultDirectory, FashionMnistDataset.TestPart));
        AssertFreshProcessLoadMatches(train, test, [256, 128], 1, "fashion");
    }
}
