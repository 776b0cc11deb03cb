using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// The training rows of an <see cref="IDataView"/> copied into dense arrays for the network: features row-major
/// (rows x featureCount) and 0-based class indices. Checks every value and names the row of a bad one.
/// </summary>
internal sealed class TrainingData
{
    private TrainingData(float[] features, int[] labels, int rowCount)
    {
        Features = features;
        Labels = labels;
        RowCount = rowCount;
    }

    public float[] Features { get; }

    public int[] Labels { get; }

    public int RowCount { get; }

    public static TrainingData Read(IDataView data, string labelColumnName, string featureColumnName, int featureCount, int classCount, string role)
    {
        var labelColumn = data.Schema[labelColumnName];
        var featureColumn = data.Schema[featureColumnName];
        var features = new List<float[]>();
        var labels = new List<int>();
        const int Chunk = 4096; // rows per chunk: no copy of the whole set when the list grows
        float[]? chunk = null;
        int inChunk = 0, rows = 0;
        using (var cursor = data.GetRowCursor([labelColumn, featureColumn]))
        {
            var getLabel = LabelKeys.GetGetter(cursor, labelColumn);
            var getFeatures = cursor.GetGetter<VBuffer<float>>(featureColumn);
            ulong key = 0;
            var buffer = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                getLabel(ref key);
                if (key == 0 || key > (ulong)classCount)
                    throw new InvalidOperationException(
                        $"{role} data, row {cursor.Position}: label column '{labelColumnName}' holds a missing or out-of-range key ({key}); " +
                        $"every row needs a class 1..{classCount}. Filter such rows first (e.g. mlContext.Data.FilterRowsByMissingValues).");
                getFeatures(ref buffer);
                if (buffer.Length != featureCount)
                    throw new InvalidOperationException(
                        $"{role} data, row {cursor.Position}: feature column '{featureColumnName}' has {buffer.Length} values; expected {featureCount}.");
                if (chunk is null || inChunk == Chunk)
                {
                    chunk = new float[Chunk * featureCount];
                    features.Add(chunk);
                    inChunk = 0;
                }
                var row = chunk.AsSpan(inChunk * featureCount, featureCount);
                DenseValues.CopyTo(buffer, row);
                int bad = FirstNonFinite(row);
                if (bad >= 0)
                    throw new InvalidOperationException(
                        $"{role} data, row {cursor.Position}: feature column '{featureColumnName}' holds {row[bad]} in slot {bad}; " +
                        "the network needs finite features. Replace or filter missing values first (e.g. mlContext.Transforms.ReplaceMissingValues).");
                labels.Add((int)(key - 1));
                inChunk++;
                rows++;
            }
        }
        var all = new float[(long)rows * featureCount];
        for (int c = 0; c < features.Count; c++)
        {
            int take = Math.Min(Chunk, rows - c * Chunk) * featureCount;
            features[c].AsSpan(0, take).CopyTo(all.AsSpan(c * Chunk * featureCount));
        }
        return new TrainingData(all, labels.ToArray(), rows);
    }

    private static int FirstNonFinite(ReadOnlySpan<float> row)
    {
        for (int j = 0; j < row.Length; j++)
        {
            if (!float.IsFinite(row[j]))
                return j;
        }
        return -1;
    }

    /// <summary>Splits off a seeded random <paramref name="fraction"/> of the rows (at least one) for validation.</summary>
    public (TrainingData Train, TrainingData Validation) Split(double fraction, int seed, int featureCount)
    {
        int validationRows = Math.Clamp((int)Math.Round(RowCount * fraction), 1, RowCount - 2);
        var order = Enumerable.Range(0, RowCount).ToArray();
        new Random(seed).Shuffle(order);
        return (Take(order.AsSpan(validationRows), featureCount), Take(order.AsSpan(0, validationRows), featureCount));
    }

    private TrainingData Take(ReadOnlySpan<int> rows, int featureCount)
    {
        var features = new float[(long)rows.Length * featureCount];
        var labels = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            Features.AsSpan(rows[i] * featureCount, featureCount).CopyTo(features.AsSpan(i * featureCount));
            labels[i] = Labels[rows[i]];
        }
        return new TrainingData(features, labels, rows.Length);
    }
}
