using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>
/// A row (or, wrapping a cursor, a cursor) of an <see cref="AppendedColumnsMapping"/>'s output schema: input
/// columns pass through, added columns come from the mapping's getters.
/// </summary>
internal sealed class AppendedColumnsRow : DataViewRowCursor
{
    private readonly DataViewRow _input;
    private readonly AppendedColumnsMapping _mapping;
    private readonly Delegate?[] _getters;
    private readonly bool[] _active;

    public AppendedColumnsRow(DataViewRow input, AppendedColumnsMapping mapping, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        _input = input;
        _mapping = mapping;
        int inputCount = mapping.InputSchema.Count;
        _active = new bool[mapping.AddedColumns.Count];
        foreach (var column in activeColumns)
        {
            if (column.Index >= inputCount)
                _active[column.Index - inputCount] = true;
        }
        _getters = mapping.CreateGetters(input, _active);
    }

    public override DataViewSchema Schema => _mapping.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override bool MoveNext() => _input is DataViewRowCursor cursor
        ? cursor.MoveNext()
        : throw new InvalidOperationException("This row was made by a row-to-row mapper and cannot move.");

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column)
    {
        int inputCount = _mapping.InputSchema.Count;
        return column.Index < inputCount
            ? _input.IsColumnActive(_mapping.InputSchema[column.Index])
            : _active[column.Index - inputCount];
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        int inputCount = _mapping.InputSchema.Count;
        if (column.Index < inputCount)
            return _input.GetGetter<TValue>(_mapping.InputSchema[column.Index]);
        int added = column.Index - inputCount;
        return _mapping.AsGetter<TValue>(column, added < _getters.Length ? _getters[added] : null);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _input.Dispose();
        base.Dispose(disposing);
    }
}
