using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>Helpers shared by the stand-in's data views and rows.</summary>
internal static class RowHelper
{
    /// <summary>Active flags over <paramref name="schema"/> for the requested columns.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="columns"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column index is outside the schema.</exception>
    public static bool[] ActiveFlags(DataViewSchema schema, IEnumerable<DataViewSchema.Column> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var active = new bool[schema.Count];
        foreach (var column in columns)
        {
            if (column.Index < 0 || column.Index >= schema.Count)
                throw new ArgumentOutOfRangeException(nameof(columns), $"Column '{column.Name}' (index {column.Index}) is not in the schema.");
            active[column.Index] = true;
        }
        return active;
    }

    public static IEnumerable<DataViewSchema.Column> Columns(DataViewSchema schema, bool[] active)
    {
        for (int i = 0; i < active.Length; i++)
        {
            if (active[i])
                yield return schema[i];
        }
    }

    public static InvalidOperationException InactiveColumn(DataViewSchema.Column column)
        => new InvalidOperationException($"Column '{column.Name}' is not active in this row.");

    public static InvalidOperationException WrongType<TValue>(DataViewSchema.Column column)
        => new InvalidOperationException(
            $"Invalid TValue in GetGetter: '{typeof(TValue)}', expected type: '{column.Type.RawType}' (column '{column.Name}').");

    public static ValueGetter<TValue> Cast<TValue>(Delegate getter, DataViewSchema.Column column)
        => getter as ValueGetter<TValue> ?? throw WrongType<TValue>(column);
}

/// <summary>Base of the stand-in's cursors: position bookkeeping, active columns and ids.</summary>
internal abstract class CursorBase : DataViewRowCursor
{
    private readonly bool[] _active;
    private long _position = -1;
    private bool _done;

    protected CursorBase(DataViewSchema schema, bool[] active)
    {
        Schema = schema;
        _active = active;
    }

    public sealed override DataViewSchema Schema { get; }

    public sealed override long Position => _position;

    public override long Batch => 0;

    /// <summary>The id of the current row: its index in the source (stable across cursorings).</summary>
    protected abstract long RowIndex { get; }

    public override ValueGetter<DataViewRowId> GetIdGetter()
        => (ref DataViewRowId value) =>
        {
            if (_position < 0)
                throw new InvalidOperationException("The cursor is not on a row.");
            value = new DataViewRowId((ulong)RowIndex, 0);
        };

    public sealed override bool IsColumnActive(DataViewSchema.Column column)
        => column.Index >= 0 && column.Index < _active.Length && _active[column.Index];

    protected void CheckActive(DataViewSchema.Column column)
    {
        if (!IsColumnActive(column))
            throw RowHelper.InactiveColumn(column);
    }

    public sealed override bool MoveNext()
    {
        if (_done)
            return false;
        if (MoveNextCore())
        {
            _position++;
            return true;
        }
        _done = true;
        _position = -1;
        return false;
    }

    protected abstract bool MoveNextCore();
}
