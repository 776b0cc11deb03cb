namespace Microsoft.ML.Data;

// Internal in ML.NET too ([BestFriend]): the annotation kind names and small helpers of the stand-in.
internal static class AnnotationUtils
{
    internal static class Kinds
    {
        public const string SlotNames = "SlotNames";
        public const string KeyValues = "KeyValues";
        public const string IsNormalized = "IsNormalized";
        public const string ScoreColumnSetId = "ScoreColumnSetId";
        public const string ScoreColumnKind = "ScoreColumnKind";
        public const string ScoreValueKind = "ScoreValueKind";
        public const string TrainingLabelValues = "TrainingLabelValues";
    }

    internal static bool HasSlotNames(DataViewSchema.Column column, int size)
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull(Kinds.SlotNames);
        return annotation is { Type: VectorDataViewType v } && v.Size == size && v.ItemType is TextDataViewType;
    }

    /// <summary>Annotations holding only IsNormalized = true plus, when present, the slot names of <paramref name="source"/>.</summary>
    internal static DataViewSchema.Annotations NormalizedWithSlotNames(DataViewSchema.Annotations source)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(source, name => name == Kinds.SlotNames);
        builder.AddPrimitiveValue(Kinds.IsNormalized, BooleanDataViewType.Instance, true);
        return builder.ToAnnotations();
    }
}

// Internal in ML.NET ([BestFriend]); the stand-in's transforms use them.
internal static class AnnotationBuilderExtensions
{
    public static void AddSlotNames(this DataViewSchema.Annotations.Builder builder, int size,
        ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter)
        => builder.Add(AnnotationUtils.Kinds.SlotNames, new VectorDataViewType(TextDataViewType.Instance, size), getter);

    public static void AddKeyValues<TValue>(this DataViewSchema.Annotations.Builder builder, int size,
        PrimitiveDataViewType valueType, ValueGetter<VBuffer<TValue>> getter)
        => builder.Add(AnnotationUtils.Kinds.KeyValues, new VectorDataViewType(valueType, size), getter);
}
