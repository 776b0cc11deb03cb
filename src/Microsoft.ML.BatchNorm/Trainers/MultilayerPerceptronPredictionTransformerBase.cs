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
/// <para>Plain <c>mlContext.Model.Save</c> of a multiclass network needs the companion package
/// BatchNormExtensions.ML.Onnx (it writes the network as an ONNX model inside ML.NET's OnnxTransformer, which plain
/// <c>mlContext.Model.Load</c> reads back); without it, it throws <see cref="NotSupportedException"/>. Plain
/// <c>Model.Save</c> of binary and regression networks is not supported yet and throws
/// <see cref="NotSupportedException"/>. <c>mlContext.Model.SaveWithNetworks</c> and <c>LoadWithNetworks</c> need no
/// companion, hold every task and give these transformers back.</para>
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

    /// <summary>What plain <c>Model.Save</c> hands to the companion package, or null where the companion cannot write
    /// this task into a plain ML.NET model yet (it writes multiclass networks only, so far).</summary>
    internal virtual PlainSaveRequest? CreatePlainSaveRequest() => null;

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
    /// Multiclass: writes this model into an ML.NET model through the companion package BatchNormExtensions.ML.Onnx, as
    /// ML.NET's OnnxTransformer and the built-in transformers that give Score and PredictedLabel (see
    /// <c>Microsoft.ML.BatchNorm.Onnx.PlainModelSaver</c>); plain <c>mlContext.Model.Load</c> reads it back.
    /// Binary and regression: not supported yet; throws.
    /// </summary>
    /// <exception cref="NotSupportedException">Multiclass: the companion package is not referenced; the message names it
    /// and <c>SaveWithNetworks</c> / <c>LoadWithNetworks</c>. Binary and regression: always; the message names
    /// <c>SaveWithNetworks</c> / <c>LoadWithNetworks</c>.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        if (CreatePlainSaveRequest() is { } request)
        {
            CompanionPackage.RequireSaver("a MultilayerPerceptron model").SaveNetwork(ctx, request);
            return;
        }
        throw new NotSupportedException(
            "Plain mlContext.Model.Save of binary and regression MultilayerPerceptron networks is not supported yet (this " +
            $"pipeline holds a {TaskName} one; the companion package {CompanionPackage.PackageId} saves multiclass networks only). " +
            "Save it with mlContext.Model.SaveWithNetworks(model, " +
            "inputSchema, filePath) and load it with mlContext.Model.LoadWithNetworks(filePath, out inputSchema) " +
            "(namespace Microsoft.ML, package BatchNormExtensions.ML).");
    }

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
