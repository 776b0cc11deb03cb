using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

/// <summary>
/// Cursors over the trainer's output score tiles of rows at once (reading ahead); these tests hold them to the
/// single-row path (the prediction engine's), bit for bit, on row counts that end inside a tile and across tiles.
/// </summary>
[TestClass]
public sealed class MultilayerPerceptronScoringCursorTests
{
    private sealed class InputRow
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }

        public string Name { get; set; } = "";
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }

    private static readonly Lazy<(MLContext Ml, MultilayerPerceptronPredictionTransformer Model, InputRow[] Rows)> Trained = new(() =>
    {
        var ml = new MLContext(seed: 3);
        InputRow[] rows = TestDatasets.Digits()
            .Select((d, i) => new InputRow { Features = d.Features, Label = d.Label, Name = $"digit {i}" }).ToArray();
        IDataView data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows))
            .Transform(ml.Data.LoadFromEnumerable(rows));
        var model = ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [32], numberOfEpochs: 2).Fit(data);
        return (ml, model, rows);
    });

    // The scored output of the first `count` digits; the label is left a float (scoring needs only the features).
    private static IDataView Scored(int count, out InputRow[] rows)
    {
        var (ml, model, all) = Trained.Value;
        rows = all.Take(count).ToArray();
        return model.Transform(ml.Data.LoadFromEnumerable(rows));
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(7)]
    [DataRow(33)]
    [DataRow(257)]
    [DataRow(1100)]
    public void CursorMatchesSingleRowScoringAndPassesColumnsThrough(int count)
    {
        var (ml, model, _) = Trained.Value;
        IDataView scored = Scored(count, out InputRow[] rows);
        var engine = ml.Model.CreatePredictionEngine<InputRow, Prediction>(model);
        DataViewSchema schema = scored.Schema;
        using DataViewRowCursor cursor = scored.GetRowCursor(schema);
        var score = cursor.GetGetter<VBuffer<float>>(schema["Score"]);
        var predicted = cursor.GetGetter<uint>(schema["PredictedLabel"]);
        var features = cursor.GetGetter<VBuffer<float>>(schema["Features"]);
        var label = cursor.GetGetter<float>(schema["Label"]);
        var name = cursor.GetGetter<ReadOnlyMemory<char>>(schema["Name"]);
        var id = cursor.GetIdGetter();
        VBuffer<float> s = default, f = default;
        float l = 0;
        ReadOnlyMemory<char> n = default;
        uint p = 0;
        DataViewRowId rowId = default;
        var ids = new HashSet<DataViewRowId>();
        int i = 0;
        while (cursor.MoveNext())
        {
            Assert.AreEqual((long)i, cursor.Position);
            score(ref s);
            predicted(ref p);
            features(ref f);
            label(ref l);
            name(ref n);
            id(ref rowId);
            Prediction expected = engine.Predict(rows[i]);
            float[] actual = s.DenseValues().ToArray();
            Assert.AreEqual(expected.Score.Length, actual.Length);
            for (int k = 0; k < actual.Length; k++)
                Assert.AreEqual(expected.Score[k], actual[k], $"row {i} of {count}, class {k}: the tile and the single row must agree exactly");
            Assert.AreEqual(expected.PredictedLabel, p, $"row {i} of {count}");
            CollectionAssert.AreEqual(rows[i].Features, f.DenseValues().ToArray(), $"row {i}: features passed through");
            Assert.AreEqual(rows[i].Label, l);
            Assert.AreEqual(rows[i].Name, n.ToString());
            Assert.IsTrue(ids.Add(rowId), $"row {i}: ids are distinct");
            i++;
        }
        Assert.AreEqual(count, i);
        Assert.AreEqual(-1L, cursor.Position, "after the last row");
        Assert.IsFalse(cursor.MoveNext());
    }

    [TestMethod]
    public void ReadingOnlySomeRowsOrColumnsGivesTheSameValues()
    {
        // Every other row read, PredictedLabel only: the tile is scored on demand and rows read ahead are not lost.
        IDataView scored = Scored(300, out _);
        uint[] all = ReadPredicted(scored, every: 1);
        uint[] half = ReadPredicted(scored, every: 2);
        Assert.AreEqual(150, half.Length);
        for (int i = 0; i < half.Length; i++) Assert.AreEqual(all[2 * i], half[i], $"row {2 * i}");
    }

    private static uint[] ReadPredicted(IDataView scored, int every)
    {
        var column = scored.Schema["PredictedLabel"];
        using var cursor = scored.GetRowCursor([column]);
        // The features are read for scoring but not asked for: the cursor does not keep (or offer) them.
        Assert.IsFalse(cursor.IsColumnActive(scored.Schema["Features"]));
        Assert.IsTrue(cursor.IsColumnActive(column));
        var getter = cursor.GetGetter<uint>(column);
        var values = new List<uint>();
        for (long row = 0; cursor.MoveNext(); row++)
        {
            if (row % every != 0) continue;
            uint v = 0;
            getter(ref v);
            values.Add(v);
        }
        return values.ToArray();
    }

    [TestMethod]
    public void ShuffledCursorsAndCursorSetsScoreEachRowAsTheSequentialCursor()
    {
        IDataView scored = Scored(700, out _);
        Dictionary<DataViewRowId, float> sequential = FirstScores(scored.GetRowCursor(scored.Schema));
        Dictionary<DataViewRowId, float> shuffled = FirstScores(scored.GetRowCursor(scored.Schema, new Random(5)));
        var fromSet = new Dictionary<DataViewRowId, float>();
        foreach (var cursor in scored.GetRowCursorSet(scored.Schema, 2))
            foreach (var pair in FirstScores(cursor)) fromSet.Add(pair.Key, pair.Value);
        Assert.AreEqual(700, sequential.Count);
        foreach (var other in new[] { shuffled, fromSet })
        {
            Assert.AreEqual(sequential.Count, other.Count);
            foreach (var (id, value) in sequential) Assert.AreEqual(value, other[id], 1e-6f, $"row {id}");
        }
    }

    private static Dictionary<DataViewRowId, float> FirstScores(DataViewRowCursor cursor)
    {
        using (cursor)
        {
            var score = cursor.GetGetter<VBuffer<float>>(cursor.Schema["Score"]);
            var id = cursor.GetIdGetter();
            var result = new Dictionary<DataViewRowId, float>();
            VBuffer<float> s = default;
            DataViewRowId rowId = default;
            while (cursor.MoveNext())
            {
                score(ref s);
                id(ref rowId);
                result.Add(rowId, s.GetValues()[0]);
            }
            return result;
        }
    }

    [TestMethod]
    public void RowWithWrongFeatureCountFailsOnlyWhenItIsRead()
    {
        // A data view that breaks its own schema (3 values in a 64-wide column) at row 40: the rows before it, read
        // ahead in the same tile, are still served; reading row 40's score names the column, row and sizes.
        var (ml, model, all) = Trained.Value;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, 64));
        float[][][] rows = all.Take(50).Select((r, i) => new[] { i == 40 ? new float[] { 1, 2, 3 } : r.Features }).ToArray();
        IDataView scored = model.Transform(new InMemoryDataView(builder.ToSchema(), rows));
        using var cursor = scored.GetRowCursor(scored.Schema);
        var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        VBuffer<float> s = default;
        for (int i = 0; i < 40; i++)
        {
            Assert.IsTrue(cursor.MoveNext());
            score(ref s);
            Assert.IsTrue(s.DenseValues().All(float.IsFinite), $"row {i}");
        }
        Assert.IsTrue(cursor.MoveNext());
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => score(ref s));
        StringAssert.Contains(e.Message, "'Features'");
        StringAssert.Contains(e.Message, "row 40");
        StringAssert.Contains(e.Message, "3 values");
        StringAssert.Contains(e.Message, "expects 64");
        Assert.IsTrue(cursor.MoveNext(), "the next row is still served");
        score(ref s);
        Assert.IsTrue(s.DenseValues().All(float.IsFinite));
    }

    [TestMethod]
    public void GettersBeforeMoveNextThrow()
    {
        IDataView scored = Scored(5, out _);
        using var cursor = scored.GetRowCursor(scored.Schema);
        var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        var name = cursor.GetGetter<ReadOnlyMemory<char>>(scored.Schema["Name"]);
        VBuffer<float> s = default;
        ReadOnlyMemory<char> n = default;
        Assert.ThrowsExactly<InvalidOperationException>(() => score(ref s));
        Assert.ThrowsExactly<InvalidOperationException>(() => name(ref n));
    }
}
