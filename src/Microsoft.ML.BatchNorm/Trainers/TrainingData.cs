using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// The training rows of an <see cref="IDataView"/> copied into dense arrays for the network: features row-major
/// (rows x featureCount) and the label as the network's loss reads it (class indices, or real targets). Checks every
/// value and names the row of a bad one.
/// </summary>
internal sealed class TrainingData
{
    private TrainingData(float[] features, int[] labels, float[] targets, int rowCount)
    {
        Features = features;
        Labels = labels;
        Targets = targets;
        RowCount = rowCount;
    }

    public float[] Features { get; }

    /// <summary>0-based class indices (multiclass), 0/1 (binary), or empty (regression).</summary>
    public int[] Labels { get; }

    /// <summary>The label values (regression), or empty.</summary>
    public float[] Targets { get; }

    public int RowCount { get; }

    /// <summary>Reads a multiclass set: a key label with keys 1..classCount.</summary>
    public static TrainingData ReadKeys(IDataView data, string labelColumnName, string featureColumnName, int featureCount, int classCount, string role)
    {
        var labels = new List<int>();
        var result = Read(data, labelColumnName, featureColumnName, featureCount, role, cursor =>
        {
            var getLabel = LabelKeys.GetGetter(cursor, data.Schema[labelColumnName]);
            ulong key = 0;
            return () =>
            {
                getLabel(ref key);
                if (key == 0 || key > (ulong)classCount)
                    throw new InvalidOperationException(
                        $"{role} data, row {cursor.Position}: label column '{labelColumnName}' holds a missing or out-of-range key ({key}); " +
                        $"every row needs a class 1..{classCount}. Filter such rows first (e.g. mlContext.Data.FilterRowsByMissingValues).");
                labels.Add((int)(key - 1));
            };
        });
        return new TrainingData(result.Features, labels.ToArray(), [], result.Rows);
    }

    /// <summary>Reads a binary set: a Boolean label, false as 0 and true as 1.</summary>
    public static TrainingData ReadBooleans(IDataView data, string labelColumnName, string featureColumnName, int featureCount, string role)
    {
        var labels = new List<int>();
        var result = Read(data, labelColumnName, featureColumnName, featureCount, role, cursor =>
        {
            var getLabel = cursor.GetGetter<bool>(data.Schema[labelColumnName]);
            bool value = false;
            return () =>
            {
                getLabel(ref value);
                labels.Add(value ? 1 : 0);
            };
        });
        return new TrainingData(result.Features, labels.ToArray(), [], result.Rows);
    }

    /// <summary>Reads a regression set: a Single label, which must be finite.</summary>
    public static TrainingData ReadSingles(IDataView data, string labelColumnName, string featureColumnName, int featureCount, string role)
    {
        var targets = new List<float>();
        var result = Read(data, labelColumnName, featureColumnName, featureCount, role, cursor =>
        {
            var getLabel = cursor.GetGetter<float>(data.Schema[labelColumnName]);
            float value = 0;
            return () =>
            {
                getLabel(ref value);
                if (!float.IsFinite(value))
                    throw new InvalidOperationException(
                        $"{role} data, row {cursor.Position}: label column '{labelColumnName}' holds {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}; regression needs a finite " +
                        "label in every row. Drop such rows first: mlContext.Data.FilterRowsByMissingValues(data, \"" + labelColumnName +
                        "\") drops NaN labels, mlContext.Data.FilterRowsByColumn(data, \"" + labelColumnName + "\", lowerBound, upperBound) " +
                        "keeps a finite range.");
                targets.Add(value);
            };
        });
        return new TrainingData(result.Features, [], targets.ToArray(), result.Rows);
    }

    // Reads the features of every row; readLabel, made once per cursor, reads and stores the current row's label.
    private static (float[] Features, int Rows) Read(IDataView data, string labelColumnName, string featureColumnName,
        int featureCount, string role, Func<DataViewRowCursor, Action> readLabel)
    {
        var labelColumn = data.Schema[labelColumnName];
        var featureColumn = data.Schema[featureColumnName];
        var features = new List<float[]>();
        const int Chunk = 4096; // rows per chunk: no copy of the whole set when the list grows
        float[]? chunk = null;
        int inChunk = 0, rows = 0;
        using (var cursor = data.GetRowCursor([labelColumn, featureColumn]))
        {
            var readRowLabel = readLabel(cursor);
            var getFeatures = cursor.GetGetter<VBuffer<float>>(featureColumn);
            var buffer = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                readRowLabel();
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
        return (all, rows);
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

    /// <summary>The same rows with the targets replaced (regression: the standardized label).</summary>
    public TrainingData WithTargets(float[] targets) => new(Features, Labels, targets, RowCount);

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
        var labels = new int[Labels.Length == 0 ? 0 : rows.Length];
        var targets = new float[Targets.Length == 0 ? 0 : rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            Features.AsSpan(rows[i] * featureCount, featureCount).CopyTo(features.AsSpan(i * featureCount));
            if (labels.Length > 0) labels[i] = Labels[rows[i]];
            if (targets.Length > 0) targets[i] = Targets[rows[i]];
        }
        return new TrainingData(features, labels, targets, rows.Length);
    }
}
