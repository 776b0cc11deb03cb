using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

/// <summary>
/// Prediction on rows whose features hold NaN (a missing value), held to what ML.NET's own multiclass trainers give
/// for such a row. LbfgsMaximumEntropy is the reference: NaN goes through its dot products, so every class score is
/// NaN, and ML.NET's multiclass scorer takes the arg-max of the Score ignoring NaN, which finds nothing: the
/// PredictedLabel is key 0, the missing key, and MapKeyToValue turns it into the label type's missing value. The
/// other rows of a tile keep exactly the scores they get without the NaN row.
/// </summary>
[TestClass]
public sealed class MultilayerPerceptronNaNFeatureTests
{
    private const int FeatureCount = 8;
    private static readonly string[] Classes = ["red", "green", "blue"];

    private sealed class Row
    {
        public string Label { get; set; } = "";

        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = [];
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }

    private sealed class PredictionValue
    {
        public string? PredictedLabel { get; set; }
    }

    private readonly record struct Scored(float[] Score, uint Key);

    private sealed record Models(MLContext Ml, ITransformer Ours, ITransformer MaximumEntropy, ITransformer OursWithValues,
        ITransformer MaximumEntropyWithValues);

    private static readonly Lazy<Models> Trained = new(() =>
    {
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(MakeRows(150, seed: 1));
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label");
        ITransformer ours = toKey.Append(ml.MulticlassClassification.Trainers.MultilayerPerceptron(
            hiddenLayerSizes: [16], numberOfEpochs: 4, batchSize: 16, learningRate: 1e-2f)).Fit(train);
        // Without L1 the weights stay dense, as the network's are: a NaN feature then reaches every class score. (With
        // L1, ML.NET may store weights sparsely, and a NaN in a feature whose weight for a class is a zero left out of
        // the storage does not reach that class's score.)
        ITransformer maximumEntropy = toKey.Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(l1Regularization: 0)).Fit(train);
        var toValue = ml.Transforms.Conversion.MapKeyToValue("PredictedLabel");
        return new Models(ml, ours, maximumEntropy,
            ours.Append(toValue.Fit(ours.Transform(train))),
            maximumEntropy.Append(toValue.Fit(maximumEntropy.Transform(train))));
    });

    // Separable classes: feature j leans to class j % 3. Values are multiples of 1/64, exact in text and in floats.
    private static Row[] MakeRows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i => new Row
        {
            Label = Classes[i % 3],
            Features = Enumerable.Range(0, FeatureCount)
                .Select(j => MathF.Round((float)(random.NextDouble() + (j % 3 == i % 3 ? 1.5 : 0)) * 64) / 64).ToArray(),
        }).ToArray();
    }

    // The rows given NaN features: the first and last rows, two in the middle of the tile (one all NaN), and the rows
    // on either side of the cursor's 512-row tile boundary when there are that many.
    private static Dictionary<int, int[]> NaNSlots(int count)
    {
        var slots = new Dictionary<int, int[]>
        {
            [0] = [0],
            [count / 2] = [3],
            [count / 2 + 1] = Enumerable.Range(0, FeatureCount).ToArray(),
            [count - 1] = [FeatureCount - 1],
        };
        if (count > MultilayerPerceptronTileScorer.CursorTileRows)
        {
            slots[MultilayerPerceptronTileScorer.CursorTileRows - 1] = [5];
            slots[MultilayerPerceptronTileScorer.CursorTileRows] = [1, 6];
        }
        return slots;
    }

    private static Row[] WithNaNs(Row[] rows, Dictionary<int, int[]> slots) => rows.Select((r, i) => new Row
    {
        Label = r.Label,
        Features = r.Features.Select((v, j) => slots.TryGetValue(i, out int[]? nan) && nan.Contains(j) ? float.NaN : v).ToArray(),
    }).ToArray();

    private static Scored[] Read(IDataView scored)
    {
        DataViewSchema schema = scored.Schema;
        using DataViewRowCursor cursor = scored.GetRowCursor([schema["Score"], schema["PredictedLabel"]]);
        var score = cursor.GetGetter<VBuffer<float>>(schema["Score"]);
        var key = cursor.GetGetter<uint>(schema["PredictedLabel"]);
        var result = new List<Scored>();
        VBuffer<float> s = default;
        uint k = 0;
        while (cursor.MoveNext())
        {
            score(ref s);
            key(ref k);
            result.Add(new Scored(s.DenseValues().ToArray(), k));
        }
        return result.ToArray();
    }

    // A NaN row: every class score NaN and the missing key, from both models. A clean row: no NaN, a class key.
    private static void AssertSameConventionAsMaximumEntropy(Scored[] ours, Scored[] maximumEntropy, ICollection<int> nanRows, string what)
    {
        Assert.HasCount(maximumEntropy.Length, ours, what);
        for (int i = 0; i < ours.Length; i++)
        {
            bool nan = nanRows.Contains(i);
            Assert.AreEqual(Classes.Length, ours[i].Score.Length, $"{what}, row {i}");
            for (int k = 0; k < Classes.Length; k++)
            {
                Assert.AreEqual(float.IsNaN(maximumEntropy[i].Score[k]), float.IsNaN(ours[i].Score[k]),
                    $"{what}, row {i}, class {k}: NaN-ness of the score as LbfgsMaximumEntropy's");
                Assert.AreEqual(nan, float.IsNaN(ours[i].Score[k]), $"{what}, row {i}, class {k}");
            }
            Assert.AreEqual(maximumEntropy[i].Key == 0, ours[i].Key == 0, $"{what}, row {i}: missing key as LbfgsMaximumEntropy's");
            if (nan)
                Assert.AreEqual(0u, ours[i].Key, $"{what}, row {i}: the missing key");
            else
                Assert.IsTrue(ours[i].Key is >= 1 and <= 3, $"{what}, row {i}: key {ours[i].Key}");
        }
    }

    // The rows without NaN, bit for bit as the same rows scored without the NaN rows among them: `alone` holds the
    // scores of the data with the NaN rows left out (the clean rows move up), or with them replaced by clean rows.
    private static void AssertCleanRowsUnaffected(Scored[] withNaNs, Scored[] alone, ICollection<int> nanRows, string what)
    {
        bool removed = alone.Length == withNaNs.Length - nanRows.Count;
        Assert.IsTrue(removed || alone.Length == withNaNs.Length, what);
        for (int i = 0, j = 0; i < withNaNs.Length; i++, j++)
        {
            if (nanRows.Contains(i))
            {
                if (removed) j--;
                continue;
            }
            for (int k = 0; k < Classes.Length; k++)
                Assert.AreEqual(BitConverter.SingleToInt32Bits(alone[j].Score[k]), BitConverter.SingleToInt32Bits(withNaNs[i].Score[k]),
                    $"{what}, row {i}, class {k}: {withNaNs[i].Score[k]:R} beside NaN rows, {alone[j].Score[k]:R} without them");
            Assert.AreEqual(alone[j].Key, withNaNs[i].Key, $"{what}, row {i}");
        }
    }

    private static Row[] WithoutNaNRows(Row[] rows, Dictionary<int, int[]> slots) => rows.Where((_, i) => !slots.ContainsKey(i)).ToArray();

    [TestMethod]
    [DataRow(40)]
    [DataRow(600)]
    public void TransformGivesNaNRowsNaNScoresAndTheMissingKeyLikeLbfgsMaximumEntropy(int count)
    {
        var (ml, ours, maximumEntropy, _, _) = Trained.Value;
        var slots = NaNSlots(count);
        IDataView data = ml.Data.LoadFromEnumerable(WithNaNs(MakeRows(count, seed: 2), slots));
        AssertSameConventionAsMaximumEntropy(Read(ours.Transform(data)), Read(maximumEntropy.Transform(data)), slots.Keys,
            $"{count} rows from LoadFromEnumerable");
    }

    [TestMethod]
    [DataRow(40)]
    [DataRow(600)]
    public void RowsBesideNaNRowsScoreExactlyAsWithoutThem(int count)
    {
        // Each clean row is scored beside NaN rows in the same tile, then in the data without the NaN rows, then with
        // those rows' values present: the tile's matrix products must keep a NaN (or anything done about it) to its row.
        var (ml, ours, _, _, _) = Trained.Value;
        var slots = NaNSlots(count);
        Row[] clean = MakeRows(count, seed: 2);
        Scored[] withNaNs = Read(ours.Transform(ml.Data.LoadFromEnumerable(WithNaNs(clean, slots))));
        AssertCleanRowsUnaffected(withNaNs, Read(ours.Transform(ml.Data.LoadFromEnumerable(WithoutNaNRows(clean, slots)))),
            slots.Keys, $"{count} rows, the NaN rows left out");
        AssertCleanRowsUnaffected(withNaNs, Read(ours.Transform(ml.Data.LoadFromEnumerable(clean))),
            slots.Keys, $"{count} rows, the NaN rows' values present");
    }

    [TestMethod]
    public void TextFileMissingValuesGiveNaNScoresAndTheMissingKeyLikeLbfgsMaximumEntropy()
    {
        // The same rows written as text, a NaN feature spelled "?", "NaN" or as an empty field (read as NaN with
        // MissingRealsAsNaNs): the loader's NaN is scored as the enumerable's, and the clean rows give the same bits.
        var (ml, ours, maximumEntropy, _, _) = Trained.Value;
        const int Count = 40;
        var slots = NaNSlots(Count);
        Row[] clean = MakeRows(Count, seed: 2);
        Row[] rows = WithNaNs(clean, slots);
        string[] spellings = ["?", "NaN", ""];
        string path = Path.Combine(Path.GetTempPath(), $"mlp-nan-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllLines(path, rows.Select((r, i) => r.Label + "," + string.Join(",",
                r.Features.Select(v => float.IsNaN(v) ? spellings[i % spellings.Length] : v.ToString("R", CultureInfo.InvariantCulture)))));
            IDataView text = ml.Data.LoadFromTextFile(path, new TextLoader.Options
            {
                Separators = [','],
                MissingRealsAsNaNs = true,
                Columns =
                [
                    new TextLoader.Column("Label", DataKind.String, 0),
                    new TextLoader.Column("Features", DataKind.Single, 1, FeatureCount),
                ],
            });
            // The loader read what was written (NaN where it was missing).
            float[][] read = text.GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToArray();
            Assert.HasCount(Count, read);
            for (int i = 0; i < Count; i++)
                CollectionAssert.AreEqual(rows[i].Features, read[i], $"row {i} as read from text");

            Scored[] fromText = Read(ours.Transform(text));
            AssertSameConventionAsMaximumEntropy(fromText, Read(maximumEntropy.Transform(text)), slots.Keys, "LoadFromTextFile");
            AssertCleanRowsUnaffected(fromText, Read(ours.Transform(ml.Data.LoadFromEnumerable(WithoutNaNRows(clean, slots)))),
                slots.Keys, "LoadFromTextFile");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void PredictionEngineGivesNaNRowsNaNScoresAndTheMissingKeyLikeLbfgsMaximumEntropy()
    {
        var (ml, ours, maximumEntropy, oursWithValues, maximumEntropyWithValues) = Trained.Value;
        const int Count = 40;
        var slots = NaNSlots(Count);
        Row[] clean = MakeRows(Count, seed: 2);
        Row[] rows = WithNaNs(clean, slots);
        var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(ours);
        var referenceEngine = ml.Model.CreatePredictionEngine<Row, Prediction>(maximumEntropy);
        Scored[] single = rows.Select(r => engine.Predict(r)).Select(p => new Scored(p.Score, p.PredictedLabel)).ToArray();
        Scored[] reference = rows.Select(r => referenceEngine.Predict(r)).Select(p => new Scored(p.Score, p.PredictedLabel)).ToArray();
        AssertSameConventionAsMaximumEntropy(single, reference, slots.Keys, "PredictionEngine");
        // A single row gives the bits the cursor gives that row without NaN rows beside it.
        AssertCleanRowsUnaffected(single, Read(ours.Transform(ml.Data.LoadFromEnumerable(WithoutNaNRows(clean, slots)))),
            slots.Keys, "PredictionEngine");

        // MapKeyToValue after the trainer: the missing key becomes the label type's missing value, an empty string
        // here (NaN for a Single label, 0 for an integer one), from both models.
        var values = ml.Model.CreatePredictionEngine<Row, PredictionValue>(oursWithValues);
        var referenceValues = ml.Model.CreatePredictionEngine<Row, PredictionValue>(maximumEntropyWithValues);
        for (int i = 0; i < Count; i++)
        {
            string? value = values.Predict(rows[i]).PredictedLabel;
            string? referenceValue = referenceValues.Predict(rows[i]).PredictedLabel;
            if (slots.ContainsKey(i))
            {
                Assert.AreEqual(referenceValue, value, $"row {i}: the missing key's value as LbfgsMaximumEntropy's");
                Assert.AreEqual("", value, $"row {i}");
            }
            else
            {
                CollectionAssert.Contains(Classes, value, $"row {i}");
            }
        }
    }

    [TestMethod]
    public void EvaluateLeavesOutNaNRowsAsForLbfgsMaximumEntropy()
    {
        // ML.NET's evaluator skips rows whose Score is not finite (its warning goes to a Warnings view that Evaluate
        // drops, not to the log): with the NaN rows scored as its own trainers score them, ours are left out alike.
        var (ml, ours, maximumEntropy, _, _) = Trained.Value;
        const int Count = 40;
        var slots = NaNSlots(Count);
        IDataView data = ml.Data.LoadFromEnumerable(WithNaNs(MakeRows(Count, seed: 2), slots));
        double Counted(ITransformer model) => ml.MulticlassClassification.Evaluate(model.Transform(data)).ConfusionMatrix.Counts.Sum(r => r.Sum());
        Assert.AreEqual(Counted(maximumEntropy), Counted(ours));
        Assert.AreEqual(Count - slots.Count, Counted(ours));
    }

    [TestMethod]
    public void ReplaceMissingValuesBeforeTheTrainerGivesNaNRowsAClass()
    {
        // One remedy: replace the missing values in the pipeline (here by each slot's training mean), then train.
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(MakeRows(150, seed: 1));
        var model = ml.Transforms.ReplaceMissingValues("Features", replacementMode: MissingValueReplacingEstimator.ReplacementMode.Mean)
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [16], numberOfEpochs: 2, batchSize: 16))
            .Fit(train);
        const int Count = 40;
        Scored[] scored = Read(model.Transform(ml.Data.LoadFromEnumerable(WithNaNs(MakeRows(Count, seed: 2), NaNSlots(Count)))));
        Assert.HasCount(Count, scored);
        for (int i = 0; i < Count; i++)
        {
            Assert.IsTrue(scored[i].Score.All(float.IsFinite), $"row {i}");
            Assert.IsTrue(scored[i].Key is >= 1 and <= 3, $"row {i}: key {scored[i].Key}");
        }
    }

    [TestMethod]
    public void FilterRowsByMissingValuesDropsTheNaNRows()
    {
        // The other remedy: drop the rows; the rest score as they do beside them.
        var (ml, ours, _, _, _) = Trained.Value;
        const int Count = 40;
        var slots = NaNSlots(Count);
        IDataView data = ml.Data.LoadFromEnumerable(WithNaNs(MakeRows(Count, seed: 2), slots));
        Scored[] kept = Read(ours.Transform(ml.Data.FilterRowsByMissingValues(data, "Features")));
        Assert.HasCount(Count - slots.Count, kept);
        AssertCleanRowsUnaffected(Read(ours.Transform(data)), kept, slots.Keys, "FilterRowsByMissingValues");
    }

    [TestMethod]
    public void PredictedKeyIsTheFirstLargestScoreIgnoringNaN()
    {
        // ML.NET's scorer: VectorUtils.ArgMax over the Score (NaN ignored, the first of equal maxima), key = index + 1,
        // and key 0 when every score is NaN.
        Assert.AreEqual(2u, MulticlassPredictionHead.PredictedKey([0.2f, 0.5f, 0.3f]));
        Assert.AreEqual(1u, MulticlassPredictionHead.PredictedKey([0.4f, 0.2f, 0.4f]));
        Assert.AreEqual(3u, MulticlassPredictionHead.PredictedKey([float.NaN, 0.1f, 0.9f]));
        Assert.AreEqual(2u, MulticlassPredictionHead.PredictedKey([float.NaN, 0.1f, float.NaN]));
        Assert.AreEqual(1u, MulticlassPredictionHead.PredictedKey([float.NegativeInfinity, float.NegativeInfinity]));
        Assert.AreEqual(2u, MulticlassPredictionHead.PredictedKey([float.NaN, float.PositiveInfinity]));
        Assert.AreEqual(0u, MulticlassPredictionHead.PredictedKey([float.NaN, float.NaN, float.NaN]));
    }
}
