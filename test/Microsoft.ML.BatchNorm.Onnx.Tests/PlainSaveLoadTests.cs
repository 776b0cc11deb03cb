using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>
/// With the companion package referenced, plain Model.Save of a pipeline with BatchNormalize and a MultilayerPerceptron
/// writes a file that plain Model.Load reads in a fresh process (no registration): same columns, scores within 1e-6,
/// the same PredictedLabel on every row, working Transform, PredictionEngine and Evaluate.
/// </summary>
[TestClass]
public sealed class PlainSaveLoadTests
{
    private const float ScoreTolerance = 1e-6f;

    private static (ITransformer Model, IDataView Scored, string Path) TrainAndSave(LabeledRow[] train, LabeledRow[] test, int[] hidden, int epochs, string name,
        bool batchNormalize = true, MultilayerPerceptronBatchNormalizationPlacement placement = MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation)
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
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

    private static void AssertFreshProcessLoadMatches(LabeledRow[] train, LabeledRow[] test, int[] hidden, int epochs, string name,
        MultilayerPerceptronBatchNormalizationPlacement placement = MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation)
    {
        var (_, scored, path) = TrainAndSave(train, test, hidden, epochs, name, placement: placement);
        try
        {
            var ml = new MLContext();
            var report = ChildProcess.LoadInFreshProcess(path, test);
            Assert.IsNull(report.Error, report.Error);
            Assert.AreEqual(0, report.OurAssembliesBeforeLoad.Length, string.Join(", ", report.OurAssembliesBeforeLoad));

            // The columns: names, types and annotations of the in-memory model's (a built-in multiclass trainer's).
            foreach (var column in scored.Schema.Where(c => !c.IsHidden))
            {
                Assert.IsTrue(report.ColumnTypes.ContainsKey(column.Name), $"column {column.Name} is missing after loading");
                Assert.AreEqual(column.Type.ToString(), report.ColumnTypes[column.Name], column.Name);
                CollectionAssert.AreEqual(column.Annotations.Schema.Select(a => $"{a.Name}:{a.Type}").ToArray(), report.ColumnAnnotations[column.Name], column.Name);
            }
            Assert.AreEqual(scored.Schema.Count(c => !c.IsHidden), report.ColumnTypes.Count, string.Join(", ", report.ColumnTypes.Keys));
            var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
            scored.Schema["PredictedLabel"].GetKeyValues(ref keyValues);
            CollectionAssert.AreEqual(keyValues.DenseValues().Select(v => v.ToString()).ToArray(), report.PredictedLabelKeyValues);

            var scores = scored.GetColumn<float[]>("Score").ToArray();
            var labels = scored.GetColumn<uint>("PredictedLabel").ToArray();
            Assert.AreEqual(test.Length, report.Scores.Length);
            float worst = 0;
            for (int i = 0; i < scores.Length; i++)
            {
                Assert.AreEqual(labels[i], report.PredictedLabels[i], $"PredictedLabel of row {i}");
                for (int k = 0; k < scores[i].Length; k++)
                    worst = Math.Max(worst, Math.Abs(scores[i][k] - report.Scores[i][k]));
            }
            Assert.IsTrue(worst <= ScoreTolerance, $"largest score difference {worst:E2}");
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
