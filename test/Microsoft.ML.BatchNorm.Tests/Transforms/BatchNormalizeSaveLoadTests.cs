using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>
/// Saving with plain <c>mlContext.Model.Save</c> and the core package alone: the map is stored as ML.NET's own
/// min-max normalizers (and a negating Expression for negative gammas), which plain <c>Model.Load</c> reads back in a
/// context that knows nothing of this assembly, within the transform's bound of the float64 value
/// (<see cref="BatchNormalizeExactness"/>) for any spread and gamma &gt;= 0 or &lt;= 0 per column. A column with gammas
/// of both signs needs the companion package; without it the save throws naming it.
/// </summary>
[TestClass]
public sealed class BatchNormalizeSaveLoadTests
{
    private static IDataView Data(MLContext ml, int rows, int seed)
    {
        var a = TransformTestData.Gaussian(rows, [3, -7], [0.5, 4], seed);
        var b = TransformTestData.Gaussian(rows, [1000], [25], seed + 1);
        return new InMemoryDataBuilder().AddSingleVector("A", a).AddSingle("B", TransformTestData.Slot(b, 0)).Build();
    }

    [TestMethod]
    public void PipelineRoundTripsThroughPlainModelLoad()
    {
        var ml = new MLContext(seed: 1);
        var train = Data(ml, 200, seed: 51);
        var test = Data(ml, 30, seed: 53);
        var pipeline = ml.Transforms.Concatenate("Features", "A", "B")
            .Append(ml.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
            {
                Columns = [new BatchNormalizingEstimator.ColumnOptions("Features") { Scale = [0.5f, 2, 1.25f], Offset = [1, -1, 0.125f] }],
            }));
        var model = pipeline.Fit(train);

        using var stream = new MemoryStream();
        ml.Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext(seed: 2).Model.Load(stream, out var loadedSchema);

        SchemaAssert.VisibleColumnsEqual(train.Schema, loadedSchema, "input schema stored with the model");
        // What comes back is ML.NET's own transformers inside a chain: no registration of this assembly is needed.
        var members = ((IEnumerable<ITransformer>)loaded).ToArray();
        Assert.HasCount(2, members, "chain members after loading");
        Assert.IsInstanceOfType<ColumnConcatenatingTransformer>(members[0]);
        var saved = Flatten(members[1]).ToArray();
        Assert.IsTrue(saved.OfType<NormalizingTransformer>().Count() >= 3, string.Join(", ", saved.Select(t => t.GetType().Name)));
        Assert.IsFalse(saved.Any(t => t.GetType().Assembly == typeof(BatchNormalizingTransformer).Assembly), "a type of ours was loaded");

        var expected = model.Transform(test);
        var actual = loaded.Transform(test);
        SchemaAssert.AreEqual(expected.Schema, actual.Schema, "output schema after loading");
        var column = ((TransformerChain<BatchNormalizingTransformer>)model).LastTransformer.GetColumn("Features");
        var inputs = DataViewReader.ReadSingles(ml.Transforms.Concatenate("Features", "A", "B").Fit(test).Transform(test), "Features");
        AssertLoadedWithinBound(inputs, expected, actual, column);
        // Not trivially equal: the outputs are far from the inputs.
        Assert.IsTrue(DataViewReader.ReadSingles(actual, "Features").All(r => Math.Abs(r[2]) < 20), "B is normalized (raw values near 1000)");
    }

    /// <summary>
    /// Each state plain-saves with the core package alone and loads back within the bound, for a vector and a scalar
    /// column: a large mean with a small spread, a spread of one float step of the mean, negative gammas, gamma 0 with
    /// beta != 0 (a constant output).
    /// </summary>
    [TestMethod]
    [DataRow("gamma > 0, mean 1e4, std 0.1", 1e4, 0.1, new float[] { 1, 2.5f, 0.75f }, new float[] { 0, -1, 3 })]
    [DataRow("gamma < 0", 1e4, 0.1, new float[] { -1, -2.5f, -0.75f }, new float[] { 0, -1, 3 })]
    [DataRow("gamma = 0, beta != 0", 5, 2, new float[] { 0, 0, 0 }, new float[] { 3, -0.5f, 1e6f })]
    [DataRow("gamma <= 0 with a 0", 1e4, 0.1, new float[] { -1, 0, -3 }, new float[] { 0.5f, 7, 0 })]
    [DataRow("tiny spread: std 1e-3 at mean 1e4", 1e4, 1e-3, new float[] { 1, 2, 0.5f }, new float[] { 0, 1e3f, -2 })]
    [DataRow("tiny spread: std 1e-6 at mean 3", 3, 1e-6, new float[] { 1, 4, 0.25f }, new float[] { 0, 0.5f, 0 })]
    public void EveryStatePlainSavesAndLoadsWithinTheBound(string name, double mean, double std, float[] gammas, float[] betas)
    {
        bool mixed = gammas.Any(g => g > 0) && gammas.Any(g => g < 0);
        Assert.IsFalse(mixed, "mixed signs need the companion (other test)");
        var ml = new MLContext(seed: 1);
        var rows = TransformTestData.Gaussian(500, [mean, -mean, mean * 0.5], [std, std * 3, std], seed: 61);
        var data = new InMemoryDataBuilder().AddSingleVector("V", rows, slotNames: ["a", "b", "c"])
            .AddSingle("S", TransformTestData.Slot(rows, 0)).Build();
        var transformer = ml.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
        {
            Columns =
            [
                new BatchNormalizingEstimator.ColumnOptions("VOut", "V") { Scale = gammas, Offset = betas, Epsilon = 1e-12f },
                new BatchNormalizingEstimator.ColumnOptions("SOut", "S") { Scale = [gammas[0]], Offset = [betas[0]], Epsilon = 1e-12f },
            ],
        }).Fit(data);

        using var stream = new MemoryStream();
        ml.Model.Save(transformer, data.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext(seed: 2).Model.Load(stream, out _);
        Assert.IsFalse(Flatten(loaded).Any(t => t.GetType().Assembly == typeof(BatchNormalizingTransformer).Assembly), "a type of ours was loaded");

        var expected = transformer.Transform(data);
        var actual = loaded.Transform(data);
        SchemaAssert.AreEqual(expected.Schema, actual.Schema, $"{name}: output schema after loading");
        var inputs = DataViewReader.ReadSingles(data, "V");
        double[] vector = AssertLoadedWithinBound(inputs, expected, actual, transformer.GetColumn("VOut"));
        double[] scalar = AssertLoadedWithinBound(inputs.Select(r => new[] { r[0] }).ToArray(), expected, actual, transformer.GetColumn("SOut"));
        Console.WriteLine($"{name}: loaded output, largest |y - y64| / max |y64| per slot: {string.Join(", ", vector.Select(v => v.ToString("E2")))}; scalar {scalar[0]:E2}");
    }

    [TestMethod]
    public void MixedGammaSignsRefuseToSaveToAStreamWithoutTheCompanion()
    {
        var ml = new MLContext(seed: 1);
        var data = TransformTestData.Vectors("Features", TransformTestData.Gaussian(20, [0, 0], [1, 1], seed: 55));
        var transformer = ml.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
        {
            Columns = [new BatchNormalizingEstimator.ColumnOptions("Features") { Scale = [1, -0.5f] }],
        }).Fit(data);

        using var stream = new MemoryStream();
        ExceptionAssert.Throws<NotSupportedException>(() => ml.Model.Save(transformer, data.Schema, stream),
            "BatchNormExtensions.ML.Onnx", "'Features'", "both signs", "SaveWithNetworks");
        // The stream holds at most the archive ML.NET opened before asking the transformer to save itself; no model
        // entry (ML.NET names them Model.key) may be in it. Observed with Microsoft.ML 5.0.1: a 193-byte archive holding
        // only TrainingInfo/Version.txt. How ML.NET's repository writer leaves the stream on an exception is its own.
        AssertNoModelEntry(stream.ToArray(), "stream");
    }

    [TestMethod]
    public void MixedGammaSignsRefuseToSaveToAFileWithoutTheCompanion()
    {
        var ml = new MLContext(seed: 1);
        var data = TransformTestData.Vectors("Features", TransformTestData.Gaussian(20, [0, 0], [1, 1], seed: 56));
        var transformer = ml.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
        {
            Columns = [new BatchNormalizingEstimator.ColumnOptions("Features") { Scale = [-2, 1] }],
        }).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"bn-{Guid.NewGuid():N}.zip");
        try
        {
            ExceptionAssert.Throws<NotSupportedException>(() => ml.Model.Save(transformer, data.Schema, path), "BatchNormExtensions.ML.Onnx", "'Features'");
            // Real ML.NET's file overload creates (truncates) the file before the transformers save, so a file is left
            // behind after the exception, as for a MultilayerPerceptron without the companion (observed with
            // Microsoft.ML 5.0.1: an archive holding only TrainingInfo/Version.txt). Its exact contents depend on how
            // ML.NET disposes its writer, so only the part that would be ours is asserted: no model entry in it,
            // hence nothing Model.Load could mistake for a saved model.
            if (File.Exists(path))
                AssertNoModelEntry(File.ReadAllBytes(path), "file");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Asserts the loaded output within the bound of the float64 value from the fitted statistics, and the in-memory
    /// output too; returns per slot the loaded output's largest error relative to max |y64|.
    /// </summary>
    private static double[] AssertLoadedWithinBound(float[][] inputs, IDataView expected, IDataView actual,
        BatchNormalizingTransformer.ColumnParameters column)
    {
        var mean = column.Mean.ToArray();
        var variance = column.Variance.ToArray();
        var gamma = column.Gamma.ToArray();
        var beta = column.Beta.ToArray();
        BatchNormalizeExactness.AssertWithinBound(inputs, DataViewReader.ReadSingles(expected, column.OutputColumnName), mean, variance, gamma, beta,
            column.Epsilon, $"in memory, column '{column.OutputColumnName}'");
        return BatchNormalizeExactness.AssertWithinBound(inputs, DataViewReader.ReadSingles(actual, column.OutputColumnName), mean, variance, gamma, beta,
            column.Epsilon, $"loaded, column '{column.OutputColumnName}'");
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer)
        => transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [transformer];

    private static void AssertNoModelEntry(byte[] bytes, string what)
    {
        if (bytes.Length == 0)
            return;
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        }
        catch (InvalidDataException)
        {
            return; // Not even a complete archive: no entry can be read back from it.
        }
        using (archive)
        {
            var models = archive.Entries.Where(e => e.Name == "Model.key").Select(e => e.FullName).ToArray();
            Assert.IsEmpty(models, $"the {what} holds model entries after a refused save: {string.Join(", ", models)}");
        }
    }
}
