using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// A lazy, cursorable table: the input and output of every transformer.
/// </summary>
public interface IDataView
{
    /// <summary>Whether cursors can be asked for a shuffled order.</summary>
    bool CanShuffle { get; }

    /// <summary>The row count when known cheaply, else null.</summary>
    long? GetRowCount();

    /// <summary>A cursor with the given columns active (getters of other columns throw); <paramref name="rand"/>
    /// asks for a shuffled order when <see cref="CanShuffle"/>.</summary>
    DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null);

    /// <summary>Up to <paramref name="n"/> cursors that together return every row once (an implementation may return one).</summary>
    DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null);

    /// <summary>The schema.</summary>
    DataViewSchema Schema { get; }
}

/// <summary>Reads one value into <paramref name="value"/> (buffers inside may be reused).</summary>
public delegate void ValueGetter<TValue>(ref TValue value);

/// <summary>
/// One row: values are read through getters; <see cref="Position"/> changes when the contents change.
/// </summary>
public abstract class DataViewRow : IDisposable
{
    /// <summary>Incremented when the contents change; -1 when no values can be fetched.</summary>
    public abstract long Position { get; }

    /// <summary>Batch number, for reconciling rows of a cursor set.</summary>
    public abstract long Batch { get; }

    /// <summary>A getter of a 128-bit id of the current row.</summary>
    public abstract ValueGetter<DataViewRowId> GetIdGetter();

    /// <summary>Whether <paramref name="column"/> is active in this row.</summary>
    public abstract bool IsColumnActive(DataViewSchema.Column column);

    /// <summary>A getter of <paramref name="column"/>; throws when the column is inactive or
    /// <typeparamref name="TValue"/> differs from its raw type.</summary>
    public abstract ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column);

    /// <summary>The schema of the row.</summary>
    public abstract DataViewSchema Schema { get; }

    /// <summary>Calls <see cref="Dispose(bool)"/> with true.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Dispose pattern; the default does nothing.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>A row that moves forward over an <see cref="IDataView"/>.</summary>
public abstract class DataViewRowCursor : DataViewRow
{
    /// <summary>Moves to the next row; false when there is none.</summary>
    public abstract bool MoveNext();
}
