using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>
/// A small in-memory data view of Single and known-size Single-vector columns, one float[] per row and column.
/// Used to fit built-in transformers on synthetic rows.
/// </summary>
internal sealed class InMemoryDataView : IDataView
{
    private readonly float[][][] _rows; // [row][column] -> values (length 1 for a scalar)

    public InMemoryDataView(DataViewSchema schema, float[][][] rows)
    {
        Schema = schema;
        _rows = rows;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _rows.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(InMemoryDataView view, HashSet<int> active) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        private bool _done;

        // Position is -1 again once MoveNext has returned false (DataViewRow's contract), and stays there.
        public override bool MoveNext()
        {
            if (!_done && ++_position < view._rows.Length)
                return true;
            _done = true;
            _position = -1;
            return false;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter()
            => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int index = column.Index;
            Delegate getter = column.Type is VectorDataViewType
                ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                    new VBuffer<float>(view._rows[_position][index].Length, (float[])view._rows[_position][index].Clone()).CopyTo(ref value))
                : (ValueGetter<float>)((ref float value) => value = view._rows[_position][index][0]);
            return (ValueGetter<TValue>)getter;
        }
    }
}
