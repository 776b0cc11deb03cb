using Microsoft.ML.Data;

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
