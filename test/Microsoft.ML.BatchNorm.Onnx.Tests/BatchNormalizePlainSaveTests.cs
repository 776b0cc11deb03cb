using System.IO.Compression;
using Microsoft.ML.BatchNorm.Tests.TransformsTests;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>
/// With the companion package referenced, plain Model.Save of a BatchNormalize column whose gammas have both signs (which
/// ML.NET's normalizers cannot express) writes it as an ONNX model computed in double, run by ML.NET's OnnxTransformer;
/// plain Model.Load reads it in a fresh process, with the outputs within the transform's bound of the float64 value
/// (<see cref="BatchNormalizeExactness"/>) and the same columns. Columns the normalizers can hold stay with them.
/// </summary>
[TestClass]
public sealed class BatchNormalizePlainSaveTests
{
    // Slot 0: mean 1e4, std 0.1; slot 3: a spread of about one float step of 1e4; the others ordinary.
    private static readonly double[] Means = [1e4, -3, 0.5, 1e4, 7];
    private static readonly double[] Stds = [0.1, 1, 2, 1e-3, 0.5];
    private static readonly float[] MixedGammas = [1, -2, 0, 0.5f, -1];
    private static readonly float[] Betas = [0, 1, 3, -2, 0.25f];

    private static LabeledRow[] Rows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => new LabeledRow
        {
            Features = Means.Select((m, j) => (float)(m + Stds[j] * Gaussian(random))).ToArray(),
            Label = "a",
        }).ToArray();
    }

    private static double Gaussian(Random random)
        => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static BatchNormalizingTransformer Fit(MLContext ml, LabeledRow[] rows, string output, float[] gammas)
        => ml.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
        {
            Columns = [new BatchNormalizingEstimator.ColumnOptions(output, "Features") { Scale = gammas, Offset = Betas, Epsilon = 1e-12f }],
        }).Fit(OnnxTestData.Load(ml, rows));

    [TestMethod]
    [DataRow("Normalized", DisplayName = "new column")]
    [DataRow("Features", DisplayName = "in place")]
    public void MixedGammaSignsLoadInAFreshProcessWithinTheBound(string output)
    {
        var ml = new MLContext(seed: 1);
        var train = Rows(300, seed: 81);
        var test = Rows(40, seed: 82);
        var transformer = Fit(ml, train, output, MixedGammas);
        var testData = OnnxTestData.Load(ml, test);
        string path = Path.Combine(Path.GetTempPath(), $"bn-plain-mixed-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(transformer, testData.Schema, path);
            Assert.IsTrue(HasOnnxModel(path), "the column is held by an OnnxTransformer");
            var report = ChildProcess.LoadInFreshProcess(path, test, ChildProcess.PlainLoadColumn, output);
            Assert.IsNull(report.Error, report.Error);
            Assert.IsEmpty(report.OurAssembliesBeforeLoad, string.Join(", ", report.OurAssembliesBeforeLoad));

            var expected = transformer.Transform(testData);
            // The same columns, hidden ones included. Their order may differ: ML.NET puts a column that replaces one of
            // the same name right after it, where this package's transforms append every output column at the end.
            CollectionAssert.AreEquivalent(Describe(expected.Schema), report.Schema,
                string.Join(" | ", Describe(expected.Schema)) + " against " + string.Join(" | ", report.Schema));
            var column = transformer.GetColumn(output);
            var inputs = test.Select(r => r.Features).ToArray();
            BatchNormalizeExactness.AssertWithinBound(inputs, expected.GetColumn<float[]>(output).ToArray(), column.Mean.ToArray(),
                column.Variance.ToArray(), column.Gamma.ToArray(), column.Beta.ToArray(), column.Epsilon, "in memory");
            var relative = BatchNormalizeExactness.AssertWithinBound(inputs, report.ColumnValues, column.Mean.ToArray(),
                column.Variance.ToArray(), column.Gamma.ToArray(), column.Beta.ToArray(), column.Epsilon, "loaded in a fresh process");
            Console.WriteLine($"{output}: loaded output, largest |y - y64| / max |y64| per slot: {string.Join(", ", relative.Select(v => v.ToString("E2")))}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void SlotNamesAndIsNormalizedComeBack()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(50, seed: 83);
        var definition = OnnxTestData.SchemaFor(rows);
        string[] names = ["a", "b", "c", "d", "e"];
        definition[nameof(LabeledRow.Features)].AddAnnotation("SlotNames",
            new VBuffer<ReadOnlyMemory<char>>(names.Length, names.Select(n => n.AsMemory()).ToArray()),
            new VectorDataViewType(TextDataViewType.Instance, names.Length));
        var data = ml.Data.LoadFromEnumerable(rows, definition);
        var transformer = ml.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
        {
            Columns = [new BatchNormalizingEstimator.ColumnOptions("Normalized", "Features") { Scale = MixedGammas, Offset = Betas }],
        }).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(transformer, data.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext().Model.Load(stream, out _);
        var column = loaded.GetOutputSchema(data.Schema)["Normalized"];
        var slotNames = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetSlotNames(ref slotNames);
        CollectionAssert.AreEqual(names, slotNames.DenseValues().Select(n => n.ToString()).ToArray());
        Assert.IsTrue(column.IsNormalized());
        (loaded as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void ColumnsTheNormalizersHoldStayWithThem()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(50, seed: 84);
        var transformer = Fit(ml, rows, "Normalized", MixedGammas.Select(Math.Abs).ToArray());
        string path = Path.Combine(Path.GetTempPath(), $"bn-plain-positive-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(transformer, OnnxTestData.Load(ml, rows).Schema, path);
            Assert.IsFalse(HasOnnxModel(path), "gammas >= 0 need no ONNX Runtime");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static bool HasOnnxModel(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return zip.Entries.Any(e => e.Name == "OnnxModel");
    }

    private static string[] Describe(DataViewSchema schema)
        => schema.Select(c => $"{c.Name}: {c.Type}{(c.IsHidden ? " (hidden)" : "")} [{string.Join(", ", c.Annotations.Schema.Select(a => a.Name))}]").ToArray();
}
