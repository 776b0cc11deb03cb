using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>The rows of a source whose (0-based) index passes a filter, in source order; stops early when told.</summary>
internal sealed class RowFilterDataView : IDataView
{
    private readonly IDataView _source;
    private readonly Func<Func<long, bool>> _makeFilter;
    private readonly long _limit;

    /// <param name="source">The data.</param>
    /// <param name="makeFilter">Creates the index filter of one cursoring (a fresh one per cursor, for stateful filters).</param>
    /// <param name="limit">Maximum number of rows returned.</param>
    public RowFilterDataView(IDataView source, Func<Func<long, bool>> makeFilter, long limit = long.MaxValue)
    {
        _source = source;
        _makeFilter = makeFilter;
        _limit = limit;
    }

    public DataViewSchema Schema => _source.Schema;

    public bool CanShuffle => false;

    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(_source.GetRowCursor(columnsNeeded), _makeFilter(), _limit);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private readonly Func<long, bool> _filter;
        private readonly long _limit;
        private long _index = -1;
        private long _position = -1;

        public Cursor(DataViewRowCursor input, Func<long, bool> filter, long limit)
        {
            _input = input;
            _filter = filter;
            _limit = limit;
        }

        public override long Position => _position;

        public override long Batch => 0;

        public override DataViewSchema Schema => _input.Schema;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _input.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _input.GetGetter<TValue>(column);

        public override bool MoveNext()
        {
            if (_position + 1 >= _limit)
            {
                _position = -1;
                return false;
            }
            while (_input.MoveNext())
            {
                _index++;
                if (_filter(_index))
                {
                    _position++;
                    return true;
                }
            }
            _position = -1;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
