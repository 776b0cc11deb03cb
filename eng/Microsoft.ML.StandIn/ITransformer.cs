namespace Microsoft.ML;

/// <summary>A component whose state can be written by <c>MLContext.Model.Save</c>.</summary>
public interface ICanSaveModel
{
    /// <summary>Writes the model into <paramref name="ctx"/>.</summary>
    void Save(ModelSaveContext ctx);
}

/// <summary>A fitted component that transforms data and propagates schemas.</summary>
public interface ITransformer : ICanSaveModel
{
    /// <summary>The schema <see cref="Transform"/> would produce from data of <paramref name="inputSchema"/>.</summary>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>Transforms <paramref name="input"/> (lazily).</summary>
    IDataView Transform(IDataView input);

    /// <summary>Whether <see cref="GetRowToRowMapper"/> succeeds on a suitable schema.</summary>
    bool IsRowToRowMapper { get; }

    /// <summary>A row-to-row mapper bound to <paramref name="inputSchema"/>; throws when <see cref="IsRowToRowMapper"/> is false.</summary>
    IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema);
}

/// <summary>An untrained transformer: <see cref="Fit"/> learns from data; <see cref="GetOutputSchema"/> propagates shapes.</summary>
public interface IEstimator<out TTransformer>
    where TTransformer : ITransformer
{
    /// <summary>Trains and returns the transformer.</summary>
    TTransformer Fit(IDataView input);

    /// <summary>The output shape for input of shape <paramref name="inputSchema"/>.</summary>
    SchemaShape GetOutputSchema(SchemaShape inputSchema);
}

/// <summary>Maps an input row to an output row (used by prediction engines).</summary>
public interface IRowToRowMapper
{
    /// <summary>The input schema the mapper is bound to.</summary>
    DataViewSchema InputSchema { get; }

    /// <summary>The output schema.</summary>
    DataViewSchema OutputSchema { get; }

    /// <summary>The input columns needed to compute <paramref name="dependingColumns"/> of the output.</summary>
    IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns);

    /// <summary>An output row computed live from <paramref name="input"/>, with <paramref name="activeColumns"/> active.</summary>
    DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns);
}
