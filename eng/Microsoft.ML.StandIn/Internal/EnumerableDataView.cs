using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>A lazy data view over an <see cref="IEnumerable{T}"/> of row objects: each cursor enumerates the source again.</summary>
internal sealed class EnumerableDataView<TRow> : IDataView
    where TRow : class
{
    private readonly IEnumerable<TRow> _data;
    private readonly PocoColumn[] _columns;

    public EnumerableDataView(IEnumerable<TRow> data, PocoColumn[] columns, DataViewSchema.Annotations[]? annotations)
    {
        _data = data;
        _columns = columns;
        var builder = new DataViewSchema.Builder();
        for (int i = 0; i < columns.Length; i++)
            builder.AddColumn(columns[i].Name, columns[i].Type, annotations?[i]);
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => _data is ICollection<TRow> collection ? collection.Count : null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(this, RowHelper.ActiveFlags(Schema, columnsNeeded));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : CursorBase
    {
        private readonly EnumerableDataView<TRow> _view;
        private readonly IEnumerator<TRow> _enumerator;
        private TRow? _current;
        private long _index = -1;

        public Cursor(EnumerableDataView<TRow> view, bool[] active) : base(view.Schema, active)
        {
            _view = view;
            _enumerator = view._data.GetEnumerator();
        }

        protected override long RowIndex => _index;

        protected override bool MoveNextCore()
        {
            if (!_enumerator.MoveNext())
            {
                _current = null;
                return false;
            }
            _current = _enumerator.Current ?? throw new InvalidOperationException($"Row {_index + 1} of the enumerable is null.");
            _index++;
            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckActive(column);
            var getter = _view._columns[column.Index].MakeGetter(
                () => _current ?? throw new InvalidOperationException("The cursor is not on a row."));
            return RowHelper.Cast<TValue>(getter, column);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _enumerator.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>A stand-alone row showing one object (the prediction engine's input).</summary>
internal sealed class ObjectRow<TRow> : DataViewRow
    where TRow : class
{
    private readonly PocoColumn[] _columns;
    private TRow? _current;
    private long _position = -1;

    public ObjectRow(PocoColumn[] columns, DataViewSchema schema)
    {
        _columns = columns;
        Schema = schema;
    }

    public void Set(TRow row)
    {
        _current = row ?? throw new ArgumentNullException(nameof(row));
        _position++;
    }

    public override long Position => _position;

    public override long Batch => 0;

    public override DataViewSchema Schema { get; }

    public override ValueGetter<DataViewRowId> GetIdGetter()
        => (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);

    public override bool IsColumnActive(DataViewSchema.Column column) => column.Index >= 0 && column.Index < _columns.Length;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!IsColumnActive(column))
            throw RowHelper.InactiveColumn(column);
        return RowHelper.Cast<TValue>(_columns[column.Index].MakeGetter(
            () => _current ?? throw new InvalidOperationException("No example has been set.")), column);
    }
}
