namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// How an epoch of rowCount (shuffled) rows splits into mini-batches of batchSize rows. A trailing mini-batch of ONE
/// row is merged into the previous one (which then has batchSize + 1 rows): training-mode batch normalization cannot
/// form statistics from one row, and dropping the row would silently ignore data. A training set smaller than one
/// batch forms a single mini-batch of all its rows.
/// </summary>
internal readonly struct MiniBatchPlan
{
    /// <summary>Plans the split.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowCount"/> is less than 2 or <paramref name="batchSize"/> less than 1.</exception>
    public MiniBatchPlan(int rowCount, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        RowCount = rowCount;
        BatchSize = batchSize;
        int full = rowCount / batchSize, remainder = rowCount % batchSize;
        if (full == 0) { BatchCount = 1; MaxRows = rowCount; }
        else if (remainder == 1 && batchSize > 1) { BatchCount = full; MaxRows = batchSize + 1; }
        else { BatchCount = full + (remainder > 0 ? 1 : 0); MaxRows = batchSize; }
    }

    /// <summary>Rows per epoch.</summary>
    public int RowCount { get; }

    /// <summary>Nominal rows per mini-batch.</summary>
    public int BatchSize { get; }

    /// <summary>Mini-batches per epoch.</summary>
    public int BatchCount { get; }

    /// <summary>Rows of the largest mini-batch (workspace size).</summary>
    public int MaxRows { get; }

    /// <summary>The first row (in the epoch's order) and the row count of mini-batch <paramref name="index"/>.</summary>
    public (int Start, int Count) GetBatch(int index)
    {
        int start = index * BatchSize;
        int count = index == BatchCount - 1 ? RowCount - start : BatchSize;
        return (start, count);
    }
}
