namespace Microsoft.ML.Data;

/// <summary>Maps an input row to an output row (used by prediction engines). In Microsoft.ML.Data, as in ML.NET.</summary>
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
