namespace Microsoft.ML.Data;

/// <summary>Reads the common annotations of a column: slot names, key values and the normalized flag.</summary>
public static class SchemaAnnotationsExtensions
{
    /// <summary>Whether the column is a known-size vector with a text <c>SlotNames</c> vector of the same size.</summary>
    public static bool HasSlotNames(this DataViewSchema.Column column)
        => column.Type is VectorDataViewType vector && vector.Size > 0 && AnnotationUtils.HasSlotNames(column, vector.Size);

    /// <summary>Reads the <c>SlotNames</c> annotation into <paramref name="slotNames"/>.</summary>
    /// <exception cref="InvalidOperationException">The column has no such annotation of that type.</exception>
    public static void GetSlotNames(this DataViewSchema.Column column, ref VBuffer<ReadOnlyMemory<char>> slotNames)
        => column.Annotations.GetValue(AnnotationUtils.Kinds.SlotNames, ref slotNames);

    /// <summary>Whether the column (or its item) is a key with a <c>KeyValues</c> vector of
    /// <paramref name="keyValueItemType"/> (text by default) whose size equals the key count.</summary>
    public static bool HasKeyValues(this DataViewSchema.Column column, PrimitiveDataViewType? keyValueItemType = null)
    {
        var itemType = column.Type is VectorDataViewType v ? v.ItemType : column.Type;
        if (itemType is not KeyDataViewType key)
            return false;
        keyValueItemType ??= TextDataViewType.Instance;
        var annotation = column.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues);
        return annotation is { Type: VectorDataViewType values }
            && key.Count == (ulong)values.Size && keyValueItemType.Equals(values.ItemType);
    }

    /// <summary>Reads the <c>KeyValues</c> annotation into <paramref name="keyValues"/>.</summary>
    /// <exception cref="InvalidOperationException">The column has no such annotation of that type.</exception>
    public static void GetKeyValues<TValue>(this DataViewSchema.Column column, ref VBuffer<TValue> keyValues)
        => column.Annotations.GetValue(AnnotationUtils.Kinds.KeyValues, ref keyValues);

    /// <summary>Whether the column has a boolean <c>IsNormalized</c> annotation set to true.</summary>
    public static bool IsNormalized(this DataViewSchema.Column column)
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.IsNormalized);
        if (annotation is not { Type: BooleanDataViewType })
            return false;
        bool value = false;
        column.Annotations.GetValue(AnnotationUtils.Kinds.IsNormalized, ref value);
        return value;
    }
}
