using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Persistence;
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
/// <para>Plain <c>mlContext.Model.Save</c> of a network of any task needs the companion package
/// BatchNormExtensions.ML.Onnx (it writes the network as an ONNX model inside ML.NET's OnnxTransformer, which plain
/// <c>mlContext.Model.Load</c> reads back); without it, it throws <see cref="NotSupportedException"/>.
/// <c>mlContext.Model.SaveWithNetworks</c> and <c>LoadWithNetworks</c> need no companion, hold every task and give
/// these transformers back.</para>
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

    /// <summary>The task, for messages ("binary classification", "regression", ...).</summary>
    internal abstract string TaskName { get; }

    /// <summary>What plain <c>Model.Save</c> hands to the companion package.</summary>
    internal abstract PlainSaveRequest CreatePlainSaveRequest();

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

    /// <summary>
    /// Writes this model into an ML.NET model through the companion package BatchNormExtensions.ML.Onnx, as ML.NET's
    /// OnnxTransformer and the transformers that give the task's columns (see
    /// <c>Microsoft.ML.BatchNorm.Onnx.PlainModelSaver</c>); plain <c>mlContext.Model.Load</c> reads it back.
    /// </summary>
    /// <exception cref="NotSupportedException">The companion package is not referenced; the message names it and
    /// <c>SaveWithNetworks</c> / <c>LoadWithNetworks</c>.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        CompanionPackage.RequireSaver("a MultilayerPerceptron model").SaveNetwork(ctx, CreatePlainSaveRequest());

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
