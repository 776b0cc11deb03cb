using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>
/// A transformer bound to one input schema: the output schema is every input column (same indices) followed by the
/// added columns, each computed from the current input row by a getter.
/// </summary>
internal abstract class ColumnMapping
{
    protected ColumnMapping(DataViewSchema inputSchema, IReadOnlyList<DataViewSchema.DetachedColumn> added)
    {
        InputSchema = inputSchema;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumns(added);
        OutputSchema = builder.ToSchema();
        AddedCount = added.Count;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public int AddedCount { get; }

    /// <summary>A <see cref="ValueGetter{TValue}"/> of added column <paramref name="added"/> reading <paramref name="input"/>.</summary>
    public abstract Delegate MakeGetter(DataViewRow input, int added);

    /// <summary>Indices of the input columns added column <paramref name="added"/> reads.</summary>
    public abstract IEnumerable<int> Dependencies(int added);

    /// <summary>Input columns needed for the active output columns.</summary>
    public bool[] InputNeeded(bool[] activeOutput)
    {
        int n = InputSchema.Count;
        var needed = new bool[n];
        for (int i = 0; i < activeOutput.Length; i++)
        {
            if (!activeOutput[i])
                continue;
            if (i < n)
                needed[i] = true;
            else
            {
                foreach (int d in Dependencies(i - n))
                    needed[d] = true;
            }
        }
        return needed;
    }
}

/// <summary>The lazy output of a <see cref="ColumnMapping"/> over a data view.</summary>
internal sealed class MappedDataView : IDataView
{
    private readonly IDataView _source;
    private readonly ColumnMapping _mapping;

    public MappedDataView(IDataView source, ColumnMapping mapping)
    {
        _source = source;
        _mapping = mapping;
    }

    public DataViewSchema Schema => _mapping.OutputSchema;

    public bool CanShuffle => _source.CanShuffle;

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = RowHelper.ActiveFlags(Schema, columnsNeeded);
        var needed = _mapping.InputNeeded(active);
        var input = _source.GetRowCursor(RowHelper.Columns(_source.Schema, needed), rand);
        return new MappedRow(input, input, _mapping, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };
}

/// <summary>A row (or cursor, when built over one) of a <see cref="ColumnMapping"/>.</summary>
internal sealed class MappedRow : DataViewRowCursor
{
    private readonly DataViewRow _input;
    private readonly DataViewRowCursor? _cursor;
    private readonly ColumnMapping _mapping;
    private readonly bool[] _active;
    private readonly Delegate?[] _getters;

    public MappedRow(DataViewRow input, DataViewRowCursor? cursor, ColumnMapping mapping, bool[] active)
    {
        _input = input;
        _cursor = cursor;
        _mapping = mapping;
        _active = active;
        _getters = new Delegate?[mapping.AddedCount];
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _mapping.OutputSchema;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column)
        => column.Index >= 0 && column.Index < _active.Length && _active[column.Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!IsColumnActive(column))
            throw RowHelper.InactiveColumn(column);
        int n = _mapping.InputSchema.Count;
        if (column.Index < n)
            return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        int added = column.Index - n;
        var getter = _getters[added] ??= _mapping.MakeGetter(_input, added);
        return RowHelper.Cast<TValue>(getter, column);
    }

    public override bool MoveNext()
        => _cursor?.MoveNext() ?? throw new InvalidOperationException("This row is not a cursor.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _cursor?.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary><see cref="IRowToRowMapper"/> over a <see cref="ColumnMapping"/>.</summary>
internal sealed class MappingRowToRowMapper : IRowToRowMapper
{
    private readonly ColumnMapping _mapping;

    public MappingRowToRowMapper(ColumnMapping mapping)
    {
        _mapping = mapping;
    }

    public DataViewSchema InputSchema => _mapping.InputSchema;

    public DataViewSchema OutputSchema => _mapping.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        => RowHelper.Columns(InputSchema, _mapping.InputNeeded(RowHelper.ActiveFlags(OutputSchema, dependingColumns))).ToArray();

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Schema.Count != InputSchema.Count)
            throw new ArgumentException("The input row's schema does not match the mapper's input schema.", nameof(input));
        return new MappedRow(input, null, _mapping, RowHelper.ActiveFlags(OutputSchema, activeColumns));
    }
}

/// <summary>A chain of row-to-row mappers applied one after the other.</summary>
internal sealed class CompositeRowToRowMapper : IRowToRowMapper
{
    private readonly IRowToRowMapper[] _mappers;

    public CompositeRowToRowMapper(DataViewSchema inputSchema, IRowToRowMapper[] mappers)
    {
        InputSchema = inputSchema;
        _mappers = mappers;
        OutputSchema = mappers.Length == 0 ? inputSchema : mappers[^1].OutputSchema;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var columns = dependingColumns;
        for (int i = _mappers.Length - 1; i >= 0; i--)
            columns = _mappers[i].GetDependencies(columns).ToArray();
        return columns;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_mappers.Length == 0)
            return input;
        // Work backwards to find what each stage must produce, then build the rows forwards.
        var needed = new IEnumerable<DataViewSchema.Column>[_mappers.Length];
        IEnumerable<DataViewSchema.Column> current = activeColumns.ToArray();
        for (int i = _mappers.Length - 1; i >= 0; i--)
        {
            needed[i] = current;
            current = _mappers[i].GetDependencies(current).ToArray();
        }
        var row = input;
        for (int i = 0; i < _mappers.Length; i++)
            row = _mappers[i].GetRow(row, needed[i]);
        return row;
    }
}
