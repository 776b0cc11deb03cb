using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>The ways users read a BatchNormalize output: PredictionEngine, CreateEnumerable, cursors over some columns.</summary>
[TestClass]
public sealed class BatchNormalizeConsumptionTests
{
    private sealed class Input
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];

        public float Size { get; set; }

        public string Tag { get; set; } = "";
    }

    private sealed class Output
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];

        [VectorType(3)]
        public float[] FeaturesNorm { get; set; } = [];

        public float SizeNorm { get; set; }

        public string Tag { get; set; } = "";
    }

    private static Input[] Inputs(int count, int seed)
    {
        var features = TransformTestData.Gaussian(count, [1, 20, -4], [0.5, 5, 2], seed);
        var sizes = TransformTestData.Gaussian(count, [170], [10], seed + 1);
        return Enumerable.Range(0, count)
            .Select(i => new Input { Features = features[i], Size = sizes[i][0], Tag = $"t{i}" })
            .ToArray();
    }

    private static (MLContext Ml, ITransformer Model, Input[] Rows) Fitted()
    {
        var ml = new MLContext(seed: 1);
        var rows = Inputs(100, seed: 31);
        var model = ml.Transforms.BatchNormalize([new InputOutputColumnPair("FeaturesNorm", "Features"), new InputOutputColumnPair("SizeNorm", "Size")])
            .Fit(ml.Data.LoadFromEnumerable(rows));
        return (ml, model, rows);
    }

    [TestMethod]
    public void PredictionEngineGivesTheTransformOutput()
    {
        var (ml, model, rows) = Fitted();
        var queries = Inputs(10, seed: 41);
        var expected = ml.Data.CreateEnumerable<Output>(model.Transform(ml.Data.LoadFromEnumerable(queries)), reuseRowObject: false).ToArray();

        var engine = ml.Model.CreatePredictionEngine<Input, Output>(model);
        for (int i = 0; i < queries.Length; i++)
        {
            var prediction = engine.Predict(queries[i]);
            CollectionAssert.AreEqual(expected[i].FeaturesNorm, prediction.FeaturesNorm, $"FeaturesNorm of query {i}");
            Assert.AreEqual(expected[i].SizeNorm, prediction.SizeNorm, $"SizeNorm of query {i}");
            Assert.AreEqual(queries[i].Tag, prediction.Tag, $"Tag passes through, query {i}");
        }

        // And the values are the normalization of the query with the statistics fitted on the training rows.
        var column = ((Microsoft.ML.Transforms.BatchNormalizingTransformer)model).GetColumn("SizeNorm");
        var last = engine.Predict(queries[^1]);
        double size = (queries[^1].Size - (double)column.Mean[0]) / Math.Sqrt(column.Variance[0] + (double)column.Epsilon);
        Assert.AreEqual(size, last.SizeNorm, 1e-5 * (1 + Math.Abs(size)), "SizeNorm of the last query");
        Assert.AreEqual(100, rows.Length);
    }

    [TestMethod]
    public void CreateEnumerableReadsEveryRowWithStandardizedColumns()
    {
        var (ml, model, rows) = Fitted();
        var output = ml.Data.CreateEnumerable<Output>(model.Transform(ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToArray();

        Assert.HasCount(rows.Length, output);
        for (int i = 0; i < rows.Length; i++)
        {
            CollectionAssert.AreEqual(rows[i].Features, output[i].Features, $"input Features kept, row {i}");
            Assert.AreEqual(rows[i].Tag, output[i].Tag, $"Tag, row {i}");
        }
        var (mean, variance) = TransformTestData.TwoPassMoments(output.Select(o => o.FeaturesNorm.Append(o.SizeNorm).ToArray()).ToArray(), unbiased: false);
        for (int j = 0; j < 4; j++)
        {
            Assert.AreEqual(0, mean[j], 1e-5, $"mean of normalized slot {j}");
            // Population variance over the fitting rows: 1 up to epsilon (1e-5 against variances >= 0.25).
            Assert.AreEqual(1, variance[j], 1e-4, $"variance of normalized slot {j}");
        }
    }

    [TestMethod]
    public void CursorOverSomeColumnsReadsTheSameValuesAsAFullCursor()
    {
        var (ml, model, rows) = Fitted();
        var transformed = model.Transform(ml.Data.LoadFromEnumerable(rows));
        var all = DataViewReader.Read(transformed);

        // As Preview does, but for two chosen columns: only they are active, and they hold what the full read holds.
        var wanted = new[] { transformed.Schema["SizeNorm"], transformed.Schema["Tag"] };
        var sizes = new List<object?[]>();
        var tags = new List<object?[]>();
        using (var cursor = transformed.GetRowCursor(wanted))
        {
            Assert.IsTrue(cursor.IsColumnActive(wanted[0]) && cursor.IsColumnActive(wanted[1]), "requested columns are active");
            Assert.IsFalse(cursor.IsColumnActive(transformed.Schema["FeaturesNorm"]), "an output column not asked for is not computed");
            var readSize = CellReader.Create(cursor, wanted[0]);
            var readTag = CellReader.Create(cursor, wanted[1]);
            while (cursor.MoveNext())
            {
                sizes.Add(readSize());
                tags.Add(readTag());
            }
        }
        DataViewAssert.AreEqual(all["SizeNorm"], sizes, NumericTolerance.Exact, "SizeNorm alone");
        DataViewAssert.AreEqual(all["Tag"], tags, NumericTolerance.Exact, "Tag alone");
        Assert.HasCount(rows.Length, sizes);
    }
}
