using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// What the MultilayerPerceptron prediction transformers of every task share: the trained network, the feature
/// column, lazy scoring in tiles of rows (<c>Transform</c>) and row by row (<c>GetRowToRowMapper</c>, so
/// PredictionEngine works), and saving through <c>mlContext.Model.SaveWithNetworks</c>. The task's output columns are
/// those of the derived type: <see cref="MultilayerPerceptronPredictionTransformer"/> (multiclass),
/// <see cref="MultilayerPerceptronBinaryPredictionTransformer"/>, <see cref="MultilayerPerceptronRegressionPredictionTransformer"/>.
/// </summary>
/// <remarks>
/// <para>A row with a NaN feature gets NaN outputs (and the PredictedLabel ML.NET's scorers take from a NaN score);
/// the other rows are not affected. See the trainers' remarks.</para>
/// <para><c>mlContext.Model.Save</c> cannot hold this transformer and throws <see cref="NotSupportedException"/>; save the
/// pipeline with <c>mlContext.Model.SaveWithNetworks</c> and load it with <c>mlContext.Model.LoadWithNetworks</c>.</para>
/// </remarks>
public abstract class MultilayerPerceptronPredictionTransformerBase : ISingleFeaturePredictionTransformer<MultilayerPerceptronModelParameters>
{
    private protected MultilayerPerceptronPredictionTransformerBase(MultilayerPerceptronModelParameters model, string featureColumnName)
    {
        Model = model;
        FeatureColumnName = featureColumnName;
        FeatureColumnType = new VectorDataViewType(NumberDataViewType.Single, model.InputSize);
    }

    /// <summary>The trained network.</summary>
    public MultilayerPerceptronModelParameters Model { get; }

    /// <summary>Name of the feature column the model reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>Type of the feature column: a vector of Single of the network's input size.</summary>
    public DataViewType FeatureColumnType { get; }

    /// <summary>What this task makes of the network's outputs.</summary>
    internal abstract PredictionHead Head { get; }

    /// <summary>Always true: a row can be scored on its own (prediction engines; cursors score tiles of rows).</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the task's output columns.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="inputSchema"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or not a vector of Single of the network's input size.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema).OutputSchema;

    /// <summary>Scores <paramref name="input"/> lazily.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or has the wrong type or size.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new AppendedColumnsDataView(input, Bind(input.Schema));
    }

    /// <summary>The row-to-row mapper (used by PredictionEngine).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="inputSchema"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or has the wrong type or size.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new AppendedColumnsRowMapper(Bind(inputSchema));

    /// <summary>Always throws: ML.NET's <c>Model.Save</c> cannot hold third-party models.</summary>
    /// <exception cref="NotSupportedException">Always; the message names the call to use instead.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException(
        "A pipeline with a MultilayerPerceptron model cannot be saved with mlContext.Model.Save: ML.NET's model format has no " +
        "place for third-party models. Save it with mlContext.Model.SaveWithNetworks(model, inputSchema, filePath) and load it " +
        "with mlContext.Model.LoadWithNetworks(filePath, out inputSchema) (namespace Microsoft.ML, package Microsoft.ML.BatchNorm).");

    private MultilayerPerceptronMapping Bind(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var column = inputSchema.GetColumnOrNull(FeatureColumnName)
            ?? throw SchemaChecks.MissingColumn(nameof(inputSchema), "Feature", FeatureColumnName, inputSchema.Where(c => !c.IsHidden).Select(c => c.Name));
        if (column.Type is not VectorDataViewType { IsKnownSize: true } vector || vector.ItemType.RawType != typeof(float) || vector.Size != Model.InputSize)
            throw SchemaChecks.WrongType(nameof(inputSchema), "Feature", FeatureColumnName, FeatureColumnType.ToString() ?? "", column.Type.ToString() ?? "");
        return new MultilayerPerceptronMapping(inputSchema, this);
    }
}
