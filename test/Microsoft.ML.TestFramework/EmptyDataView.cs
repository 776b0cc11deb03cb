using Microsoft.ML.Data;

namespace Microsoft.ML.TestFramework;

/// <summary>A data view with a given schema and no rows (for schema-only calls that need an <see cref="IDataView"/>).</summary>
public sealed class EmptyDataView : IDataView
{
    /// <summary>Creates the view.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="schema"/> is null.</exception>
    public EmptyDataView(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        Schema = schema;
    }

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }

    /// <inheritdoc/>
    public bool CanShuffle => false;

    /// <inheritdoc/>
    public long? GetRowCount() => 0;

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(Schema, columnsNeeded.Select(c => c.Index).ToHashSet());

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(DataViewSchema schema, HashSet<int> active) : DataViewRowCursor
    {
        public override DataViewSchema Schema => schema;

        public override long Position => -1;

        public override long Batch => 0;

        public override bool MoveNext() => false;

        public override ValueGetter<DataViewRowId> GetIdGetter()
            => (ref DataViewRowId id) => throw new InvalidOperationException("The cursor has no current row.");

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            return (ref TValue value) => throw new InvalidOperationException("The cursor has no current row.");
        }
    }
}
