using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>
/// A cursor over an <see cref="AppendedColumnsMapping"/>'s output whose added columns come from a
/// <see cref="TileScorer"/>: it reads a tile of rows ahead from its input cursor (keeping the active pass-through
/// columns and row ids of each), scores the tile at once when an added column is first read, then serves the rows
/// one by one, each with its own row id and Batch. Tiles start small (a reader that stops after a few rows does not pay for a large read-ahead) and
/// double up to the scorer's <see cref="TileScorer.MaxRows"/>.
/// </summary>
internal sealed class ReadAheadCursor : DataViewRowCursor
{
    private const int FirstTileRows = 16;

    private readonly DataViewRowCursor _input;
    private readonly AppendedColumnsMapping _mapping;
    private readonly TileScorer _scorer;
    private readonly bool[] _active;
    private readonly Delegate?[] _addedGetters;
    private readonly ColumnTile?[] _inputTiles;      // by input column index; null where not active
    private readonly Func<int> _currentSlot, _currentScoredSlot;
    private readonly ValueGetter<DataViewRowId> _inputId;
    private readonly DataViewRowId[] _ids;
    private readonly long[] _batches;               // each read-ahead row's input Batch: consolidation orders by it
    private int _tileRows, _rows, _slot = -1;
    private bool _scored;
    private long _position = -1;
    private bool _done;

    /// <param name="input">The input cursor (the cursor disposes it).</param>
    /// <param name="mapping">The mapping.</param>
    /// <param name="requested">The output columns asked for: their input columns are kept per row (others the input
    /// reads only for the scorer are not).</param>
    /// <param name="active">Which added columns are active.</param>
    /// <param name="scorer">The mapping's scorer for <paramref name="input"/> and <paramref name="active"/>.</param>
    public ReadAheadCursor(DataViewRowCursor input, AppendedColumnsMapping mapping, IEnumerable<DataViewSchema.Column> requested,
        bool[] active, TileScorer scorer)
    {
        _input = input;
        _mapping = mapping;
        _active = active;
        _scorer = scorer;
        int inputCount = mapping.InputSchema.Count;
        int capacity = _scorer.MaxRows;
        _currentSlot = CurrentSlot;
        _currentScoredSlot = CurrentScoredSlot;
        _addedGetters = _scorer.CreateGetters(_active, _currentScoredSlot);
        _inputTiles = new ColumnTile?[inputCount];
        foreach (var column in requested)
        {
            if (column.Index < inputCount && _inputTiles[column.Index] is null && input.IsColumnActive(mapping.InputSchema[column.Index]))
                _inputTiles[column.Index] = ColumnTile.Create(input, mapping.InputSchema[column.Index], capacity);
        }
        _inputId = input.GetIdGetter();
        _ids = new DataViewRowId[capacity];
        _batches = new long[capacity];
        _tileRows = Math.Min(FirstTileRows, capacity);
    }

    public override DataViewSchema Schema => _mapping.OutputSchema;

    public override long Position => _position;

    /// <summary>The Batch the input had on the row served now (the input itself is already rows ahead).</summary>
    public override long Batch => _slot >= 0 ? _batches[_slot] : 0;

    public override bool MoveNext()
    {
        if (_done) return false;
        if (_slot + 1 < _rows)
        {
            _slot++;
            _position++;
            return true;
        }
        if (!ReadTile())
        {
            _done = true;
            _slot = -1;
            _position = -1;
            return false;
        }
        _slot = 0;
        _position++;
        return true;
    }

    // Reads up to _tileRows rows ahead; false when the input has none left.
    private bool ReadTile()
    {
        _rows = 0;
        _scored = false;
        while (_rows < _tileRows && _input.MoveNext())
        {
            foreach (ColumnTile? tile in _inputTiles) tile?.Fill(_rows);
            _inputId(ref _ids[_rows]);
            _batches[_rows] = _input.Batch;
            _scorer.Collect(_rows);
            _rows++;
        }
        _tileRows = Math.Min(_tileRows * 2, _scorer.MaxRows);
        return _rows > 0;
    }

    private int CurrentSlot() =>
        _slot >= 0 ? _slot : throw new InvalidOperationException("The cursor is not on a row: call MoveNext first.");

    private int CurrentScoredSlot()
    {
        CurrentSlot();
        if (!_scored)
        {
            _scorer.Score(_rows);
            _scored = true;
        }
        return _slot;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = _ids[CurrentSlot()];

    public override bool IsColumnActive(DataViewSchema.Column column)
    {
        int inputCount = _mapping.InputSchema.Count;
        return column.Index < inputCount ? _inputTiles[column.Index] is not null : _active[column.Index - inputCount];
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        int inputCount = _mapping.InputSchema.Count, added = column.Index - inputCount;
        Delegate? getter = added < 0 ? _inputTiles[column.Index]?.CreateGetter(_currentSlot)
            : added < _addedGetters.Length ? _addedGetters[added] : null;
        return _mapping.AsGetter<TValue>(column, getter);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _input.Dispose();
        base.Dispose(disposing);
    }
}
