using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>One labelled row: features and the class name as a text label.</summary>
public sealed class LabeledRow
{
    public float[] Features { get; set; } = [];

    public string Label { get; set; } = "";
}

/// <summary>Datasets of the ONNX tests as ML.NET data: the embedded digits, Fashion-MNIST-shaped rows, the real Fashion-MNIST.</summary>
public static class OnnxTestData
{
    public static LabeledRow[] Rows(LabeledDataset data, int take = int.MaxValue)
    {
        int n = Math.Min(take, data.Count);
        var rows = new LabeledRow[n];
        for (int i = 0; i < n; i++)
            rows[i] = new LabeledRow
            {
                Features = data.Features.AsSpan(i * data.FeatureCount, data.FeatureCount).ToArray(),
                Label = data.ClassNames[data.Labels[i]],
            };
        return rows;
    }

    /// <summary>The digits (1797 rows of 64), a seeded 80/20 split.</summary>
    public static (LabeledRow[] Train, LabeledRow[] Test) Digits()
    {
        var rows = Rows(DigitsDataset.Load());
        new Random(1).Shuffle(rows);
        int test = rows.Length / 5;
        return (rows[test..], rows[..test]);
    }

    /// <summary>
    /// Rows shaped like Fashion-MNIST (784 features in [0, 1], 10 named classes): each class is a random prototype
    /// image plus noise, so a small network learns them in one epoch.
    /// </summary>
    public static (LabeledRow[] Train, LabeledRow[] Test) FashionMnistShaped(int train = 600, int test = 200)
    {
        var random = new Random(7);
        var prototypes = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, 784).Select(_ => random.NextSingle()).ToArray()).ToArray();
        LabeledRow Make()
        {
            int k = random.Next(10);
            return new LabeledRow
            {
                Features = prototypes[k].Select(v => Math.Clamp(v + 0.3f * (random.NextSingle() - 0.5f), 0f, 1f)).ToArray(),
                Label = FashionMnistDataset.ClassNames[k],
            };
        }
        return (Enumerable.Range(0, train).Select(_ => Make()).ToArray(), Enumerable.Range(0, test).Select(_ => Make()).ToArray());
    }

    /// <summary>Loads rows with a known-size Features vector (the size of the first row).</summary>
    public static IDataView Load(MLContext ml, LabeledRow[] rows) => ml.Data.LoadFromEnumerable(rows, SchemaFor(rows));

    /// <summary>The schema definition of <see cref="LabeledRow"/> with the Features size of the first row.</summary>
    public static SchemaDefinition SchemaFor(LabeledRow[] rows)
    {
        var schema = SchemaDefinition.Create(typeof(LabeledRow));
        schema[nameof(LabeledRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Features.Length);
        return schema;
    }

    /// <summary>The Score column of every row.</summary>
    public static float[][] Scores(MLContext ml, IDataView scored)
        => scored.GetColumn<float[]>("Score").ToArray();
}
