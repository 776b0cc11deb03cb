using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>The lazy output of a transformer built on <see cref="AppendedColumnsMapping"/>.</summary>
internal sealed class AppendedColumnsDataView : IDataView
{
    private readonly IDataView _input;
    private readonly AppendedColumnsMapping _mapping;

    public AppendedColumnsDataView(IDataView input, AppendedColumnsMapping mapping)
    {
        _input = input;
        _mapping = mapping;
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema => _mapping.OutputSchema;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        var inputCursor = _input.GetRowCursor(_mapping.GetDependencies(needed), rand);
        return new AppendedColumnsRow(inputCursor, _mapping, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        return _input.GetRowCursorSet(_mapping.GetDependencies(needed), n, rand)
            .Select(cursor => (DataViewRowCursor)new AppendedColumnsRow(cursor, _mapping, needed))
            .ToArray();
    }
}
