using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>The row-to-row mapper of a transformer built on <see cref="AppendedColumnsMapping"/> (PredictionEngine uses it).</summary>
internal sealed class AppendedColumnsRowMapper : IRowToRowMapper
{
    private readonly AppendedColumnsMapping _mapping;

    public AppendedColumnsRowMapper(AppendedColumnsMapping mapping) => _mapping = mapping;

    public DataViewSchema InputSchema => _mapping.InputSchema;

    public DataViewSchema OutputSchema => _mapping.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        => _mapping.GetDependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        return new AppendedColumnsRow(input, _mapping, activeColumns);
    }
}
