using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>
/// The lazy output of a transformer built on <see cref="AppendedColumnsMapping"/>. Its cursors compute the added
/// columns row by row, or a tile of rows at a time (<see cref="ReadAheadCursor"/>) where the mapping has a
/// <see cref="TileScorer"/> and an added column is read.
/// </summary>
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
        return Wrap(_input.GetRowCursor(_mapping.GetDependencies(needed), rand), needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        return _input.GetRowCursorSet(_mapping.GetDependencies(needed), n, rand)
            .Select(cursor => Wrap(cursor, needed))
            .ToArray();
    }

    private DataViewRowCursor Wrap(DataViewRowCursor input, DataViewSchema.Column[] needed)
    {
        int inputCount = _mapping.InputSchema.Count;
        var active = new bool[_mapping.AddedColumns.Count];
        foreach (var column in needed)
        {
            if (column.Index >= inputCount)
                active[column.Index - inputCount] = true;
        }
        if (active.Any(a => a) && _mapping.CreateTileScorer(input, active) is { } scorer)
            return new ReadAheadCursor(input, _mapping, needed, active, scorer);
        return new AppendedColumnsRow(input, _mapping, needed);
    }
}
