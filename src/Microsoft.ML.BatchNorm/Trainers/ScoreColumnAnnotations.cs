using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// The annotations ML.NET's scorers put on the columns they add (src/Microsoft.ML.Data/Scorers/RowToRowScorerBase.cs,
/// checked against LbfgsLogisticRegression's, Sdca's, LbfgsMaximumEntropy's and SdcaMaximumEntropy's output):
/// <c>ScoreColumnKind</c> (the task: "BinaryClassification", "MulticlassClassification", "Regression"), <c>ScoreValueKind</c> (the column's role: "Score", "Probability",
/// "PredictedLabel"), <c>ScoreColumnSetId</c> (a key of UInt32 with 2^31 - 1 values, one more than the largest set id
/// already in the input schema, so each scoring step's columns form a set) and, on a probability,
/// <c>IsNormalized</c> true. The multiclass scorer adds the label's values (see
/// <see cref="LabelKeyValues.PredictedLabelAnnotations"/> and <see cref="LabelKeyValues.ScoreAnnotations"/>,
/// src/Microsoft.ML.Data/Scorers/MulticlassClassificationScorer.cs and PredictedLabelScorerBase.cs): the label's
/// <c>KeyValues</c> on PredictedLabel, and on Score the same values as <c>TrainingLabelValues</c> (and as
/// <c>SlotNames</c> when they are text). ML.NET's helpers to add them are internal: they are added here under their kind names.
/// </summary>
internal static class ScoreColumnAnnotations
{
    public const string BinaryClassification = "BinaryClassification";
    public const string MulticlassClassification = "MulticlassClassification";
    public const string Regression = "Regression";

    private const string ScoreColumnKind = "ScoreColumnKind";
    private const string ScoreValueKind = "ScoreValueKind";
    private const string ScoreColumnSetId = "ScoreColumnSetId";
    private const string IsNormalized = "IsNormalized";

    private static readonly KeyDataViewType SetIdType = new(typeof(uint), int.MaxValue);

    /// <summary>The set id of columns added to <paramref name="inputSchema"/>: the largest existing one plus 1.</summary>
    /// <exception cref="InvalidOperationException">The input already holds the largest set id.</exception>
    public static uint NextSetId(DataViewSchema inputSchema)
    {
        uint max = 0;
        foreach (var column in inputSchema)
        {
            var type = column.Annotations.Schema.GetColumnOrNull(ScoreColumnSetId)?.Type;
            if (type is not KeyDataViewType || type.RawType != typeof(uint))
                continue;
            uint value = 0;
            column.Annotations.GetValue(ScoreColumnSetId, ref value);
            max = Math.Max(max, value);
        }
        if (max >= int.MaxValue - 1)
            throw new InvalidOperationException("The input schema already holds the largest score column set id.");
        return max + 1;
    }

    /// <summary>
    /// The annotations of one added column, in the order ML.NET's scorers give them: the binary and multiclass
    /// scorers' Score and Probability (kind, set id, [IsNormalized,] value kind[, label values]) and PredictedLabel
    /// (kind, value kind[, label values], set id); the regression scorer's Score (set id, kind, value kind).
    /// </summary>
    /// <param name="columnKind">The task (<see cref="BinaryClassification"/>, <see cref="MulticlassClassification"/>, <see cref="Regression"/>).</param>
    /// <param name="valueKind">The column's role (<see cref="StandardValueKinds"/>).</param>
    /// <param name="setId">The set id (<see cref="NextSetId"/>).</param>
    /// <param name="labelValues">The multiclass scorer's annotations naming the classes, placed where it places them; null for none.</param>
    public static DataViewSchema.Annotations For(string columnKind, string valueKind, uint setId, DataViewSchema.Annotations? labelValues = null)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (columnKind == Regression)
        {
            AddSetId(builder, setId);
            AddText(builder, ScoreColumnKind, columnKind);
            AddText(builder, ScoreValueKind, valueKind);
        }
        else if (valueKind == StandardValueKinds.PredictedLabel)
        {
            AddText(builder, ScoreColumnKind, columnKind);
            AddText(builder, ScoreValueKind, valueKind);
            if (labelValues is not null)
                builder.Add(labelValues, _ => true);
            AddSetId(builder, setId);
        }
        else
        {
            AddText(builder, ScoreColumnKind, columnKind);
            AddSetId(builder, setId);
            if (valueKind == StandardValueKinds.Probability)
                builder.Add(IsNormalized, BooleanDataViewType.Instance, (ref bool value) => value = true);
            AddText(builder, ScoreValueKind, valueKind);
            if (labelValues is not null)
                builder.Add(labelValues, _ => true);
        }
        return builder.ToAnnotations();
    }

    private static void AddText(DataViewSchema.Annotations.Builder builder, string kind, string text)
    {
        var memory = text.AsMemory();
        builder.Add(kind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = memory);
    }

    private static void AddSetId(DataViewSchema.Annotations.Builder builder, uint setId) =>
        builder.Add(ScoreColumnSetId, SetIdType, (ref uint value) => value = setId);

    /// <summary>The ScoreValueKind values (the column names of the scorers' outputs).</summary>
    public static class StandardValueKinds
    {
        public const string Score = "Score";
        public const string Probability = "Probability";
        public const string PredictedLabel = "PredictedLabel";
    }
}
