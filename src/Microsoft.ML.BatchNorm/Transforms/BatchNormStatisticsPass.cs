using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// The one streaming pass of <see cref="BatchNormalizingEstimator.Fit"/>: feeds every row of the requested
/// columns to a <see cref="MomentAccumulator"/> per column. Dense rows are gathered into blocks so the
/// accumulator's vectorized block update runs; sparse rows go in as they are.
/// </summary>
internal static class BatchNormStatisticsPass
{
    // About 64K floats a block: large enough to amortize the merge, small enough to stay in L2.
    private const int BlockFloats = 1 << 16;

    public static MomentAccumulator[] Run(IDataView data, IReadOnlyList<(string Name, int Size)> columns)
    {
        var result = new MomentAccumulator[columns.Count];
        if (columns.Count == 0)
            return result;
        var feeds = new ColumnFeed[columns.Count];
        var active = new DataViewSchema.Column[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            active[i] = data.Schema[columns[i].Name];
            result[i] = new MomentAccumulator(columns[i].Size);
        }

        long rows = 0;
        using (var cursor = data.GetRowCursor(active))
        {
            for (int i = 0; i < columns.Count; i++)
                feeds[i] = new ColumnFeed(cursor, active[i], columns[i].Name, columns[i].Size, result[i]);
            while (cursor.MoveNext())
            {
                foreach (var feed in feeds)
                    feed.Read(rows);
                rows++;
            }
        }
        foreach (var feed in feeds)
            feed.Flush();
        if (rows == 0)
            throw new InvalidOperationException(
                $"Cannot fit BatchNormalize on column '{columns[0].Name}': the data has no rows.");
        return result;
    }

    private sealed class ColumnFeed
    {
        private readonly string _name;
        private readonly int _size;
        private readonly MomentAccumulator _moments;
        private readonly ValueGetter<float>? _scalar;
        private readonly ValueGetter<VBuffer<float>>? _vector;
        private readonly float[] _block;
        private readonly long[] _blockRows;
        private int _filled;
        private VBuffer<float> _buffer;

        public ColumnFeed(DataViewRowCursor cursor, DataViewSchema.Column column, string name, int size, MomentAccumulator moments)
        {
            _name = name;
            _size = size;
            _moments = moments;
            if (column.Type is VectorDataViewType)
                _vector = cursor.GetGetter<VBuffer<float>>(column);
            else
                _scalar = cursor.GetGetter<float>(column);
            int blockRows = Math.Max(1, BlockFloats / size);
            _block = new float[blockRows * size];
            _blockRows = new long[blockRows];
        }

        public void Read(long row)
        {
            if (_scalar is not null)
            {
                float value = 0;
                _scalar(ref value);
                _block[_filled] = value;
            }
            else
            {
                _vector!(ref _buffer);
                if (_buffer.Length != _size)
                    throw new InvalidOperationException(
                        $"Column '{_name}' row {row} has {_buffer.Length} slots; its type promises {_size}.");
                if (!_buffer.IsDense)
                {
                    var values = _buffer.GetValues();
                    int bad = _moments.AddSparseRow(_buffer.GetIndices(), values);
                    if (bad >= 0)
                        throw NotFinite(row, _buffer.GetIndices()[bad], values[bad]);
                    return;
                }
                _buffer.GetValues().CopyTo(_block.AsSpan(_filled * _size, _size));
            }
            _blockRows[_filled++] = row;
            if (_filled == _blockRows.Length)
                Flush();
        }

        public void Flush()
        {
            if (_filled == 0)
                return;
            int bad = _moments.AddRows(_block.AsSpan(0, _filled * _size), _filled);
            if (bad >= 0)
                throw NotFinite(_blockRows[bad / _size], bad % _size, _block[bad]);
            _filled = 0;
        }

        private InvalidOperationException NotFinite(long row, int slot, float value) => new(
            $"Column '{_name}' holds {value} at row {row}" + (_size > 1 ? $", slot {slot}" : "") +
            ": batch normalization needs finite values to fit. Replace or filter missing values first " +
            "(e.g. mlContext.Transforms.ReplaceMissingValues or mlContext.Data.FilterRowsByMissingValues).");
    }
}
