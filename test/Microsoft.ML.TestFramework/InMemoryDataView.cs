using Microsoft.ML.Data;

namespace Microsoft.ML.TestFramework;

/// <summary>
/// An in-memory data view built by <see cref="InMemoryDataBuilder"/>, behaving like ML.NET's own views where
/// tests can see it: getters only for active columns and only of the column's raw type (else
/// <see cref="InvalidOperationException"/>), values that do not change until the cursor moves, sparse vectors
/// delivered sparse.
/// </summary>
public sealed class InMemoryDataView : IDataView
{
    private readonly InMemoryColumn[] _columns;

    internal InMemoryDataView(DataViewSchema schema, int rowCount, InMemoryColumn[] columns)
    {
        Schema = schema;
        RowCount = rowCount;
        _columns = columns;
    }

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }

    /// <inheritdoc/>
    public bool CanShuffle => false;

    /// <inheritdoc/>
    public long? GetRowCount() => RowCount;

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        return new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet());
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly InMemoryDataView _view;
        private readonly HashSet<int> _active;
        private int _row = -1;

        public Cursor(InMemoryDataView view, HashSet<int> active)
        {
            _view = view;
            _active = active;
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _row;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_row < _view.RowCount)
                _row++;
            return _row < _view.RowCount;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter()
            => (ref DataViewRowId id) => id = new DataViewRowId((ulong)CurrentRow(), 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < 0 || column.Index >= _view._columns.Length)
                throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' is not in this schema.");
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            return _view._columns[column.Index].CreateGetter<TValue>(column.Name, CurrentRow);
        }

        private int CurrentRow()
            => _row >= 0 && _row < _view.RowCount ? _row : throw new InvalidOperationException("The cursor has no current row.");
    }
}
