using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Persistence;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Scores rows with a trained <see cref="MultilayerPerceptronModelParameters"/>: appends <c>Score</c> (class
/// probabilities, a vector of Single with one slot per class) and <c>PredictedLabel</c> (the most probable class as a
/// key of the label's type, carrying the label's key values). A row-to-row mapper, so PredictionEngine works.
/// </summary>
/// <remarks>
/// <para>A row with a NaN feature gets a Score of NaN for every class and PredictedLabel key 0 (the missing key), as
/// with ML.NET's own multiclass trainers; the other rows are not affected. See the remarks of
/// <see cref="MultilayerPerceptronTrainer"/> for what follows from it and how to replace or drop missing values.</para>
/// <para>Plain <c>mlContext.Model.Save</c> needs the companion package BatchNormExtensions.ML.Onnx (it writes the
/// network as an ONNX model inside ML.NET's OnnxTransformer, which plain <c>mlContext.Model.Load</c> reads back);
/// without it, it throws <see cref="NotSupportedException"/>. <c>mlContext.Model.SaveWithNetworks</c> and
/// <c>LoadWithNetworks</c> need no companion and give this transformer back.</para>
/// </remarks>
public sealed class MultilayerPerceptronPredictionTransformer : ISingleFeaturePredictionTransformer<MultilayerPerceptronModelParameters>
{
    internal MultilayerPerceptronPredictionTransformer(MultilayerPerceptronModelParameters model, string featureColumnName,
        KeyDataViewType labelType, LabelKeyValues labelKeyValues)
    {
        Model = model;
        FeatureColumnName = featureColumnName;
        FeatureColumnType = new VectorDataViewType(NumberDataViewType.Single, model.InputSize);
        LabelType = labelType;
        LabelKeyValues = labelKeyValues;
        if (labelType.Count != (ulong)model.ClassCount)
            throw new ArgumentException($"The label has {labelType.Count} classes but the network scores {model.ClassCount}.");
    }

    /// <summary>The trained network.</summary>
    public MultilayerPerceptronModelParameters Model { get; }

    /// <summary>Name of the feature column the model reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>Type of the feature column: a vector of Single of the network's input size.</summary>
    public DataViewType FeatureColumnType { get; }

    internal KeyDataViewType LabelType { get; }

    internal LabelKeyValues LabelKeyValues { get; }

    /// <summary>Always true: a row can be scored on its own (prediction engines; cursors score tiles of rows).</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus Score and PredictedLabel.</summary>
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
    /// OnnxTransformer and the built-in transformers that give Score and PredictedLabel (see
    /// <c>Microsoft.ML.BatchNorm.Onnx.PlainModelSaver</c>); plain <c>mlContext.Model.Load</c> reads it back.
    /// </summary>
    /// <exception cref="NotSupportedException">The companion package is not referenced; the message names it and
    /// <c>SaveWithNetworks</c> / <c>LoadWithNetworks</c>.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
        => CompanionPackage.RequireSaver("a MultilayerPerceptron model").SaveNetwork(ctx, PlainSaveRequest.Multiclass(this));

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
