using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>
/// What a row-to-row transformer of this repository adds to its input: new columns appended after all input
/// columns (hiding input columns of the same name), each computed from the current input row. The data view, the
/// cursor and the row-to-row mapper built on it are shared by the BatchNormalize transformer and the
/// MultilayerPerceptron prediction transformer, so both behave like ML.NET's built-in row mappers
/// (Transform, CreateEnumerable, PredictionEngine, cursors over a subset of columns).
/// </summary>
internal abstract class AppendedColumnsMapping
{
    protected AppendedColumnsMapping(DataViewSchema inputSchema, IReadOnlyList<DataViewSchema.DetachedColumn> addedColumns)
    {
        InputSchema = inputSchema;
        AddedColumns = addedColumns;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumns(addedColumns);
        OutputSchema = builder.ToSchema();
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IReadOnlyList<DataViewSchema.DetachedColumn> AddedColumns { get; }

    /// <summary>Index in <see cref="InputSchema"/> of the input columns that added column <paramref name="added"/> reads.</summary>
    public abstract IEnumerable<int> GetInputDependencies(int added);

    /// <summary>
    /// Makes the getters of the active added columns for one row source (a cursor or a row): element i is a
    /// <see cref="ValueGetter{TValue}"/> of added column i, or null where <paramref name="active"/>[i] is false.
    /// Called once per cursor, so per-row work reuses the buffers captured here.
    /// </summary>
    public abstract Delegate?[] CreateGetters(DataViewRow input, bool[] active);

    /// <summary>
    /// A scorer that computes the active added columns a tile of rows at a time, for cursors (which can read ahead);
    /// null (the default) where per-row getters are as fast. Called once per cursor with at least one active added
    /// column; <see cref="CreateGetters"/> still serves single rows (row-to-row mappers, prediction engines).
    /// </summary>
    public virtual TileScorer? CreateTileScorer(DataViewRow input, bool[] active) => null;

    /// <summary>
    /// <paramref name="getter"/> (the getter of output column <paramref name="column"/>, null when the column is not
    /// active) as a <see cref="ValueGetter{TValue}"/>, with errors that name the column: the rows and cursors built
    /// on this mapping all answer GetGetter through here.
    /// </summary>
    /// <exception cref="InvalidOperationException">The column is not active, or <typeparamref name="TValue"/> is not its type.</exception>
    public ValueGetter<TValue> AsGetter<TValue>(DataViewSchema.Column column, Delegate? getter)
    {
        if (getter is null)
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
        return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' holds {OutputSchema[column.Index].Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    /// <summary>The input columns needed to produce the given output columns.</summary>
    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedSet<int>();
        foreach (var column in outputColumns)
        {
            if (column.Index < InputSchema.Count)
                needed.Add(column.Index);
            else
                needed.UnionWith(GetInputDependencies(column.Index - InputSchema.Count));
        }
        return needed.Select(i => InputSchema[i]);
    }
}
