using System.Globalization;
using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// The label column's KeyValues annotation, carried to PredictedLabel so MapKeyToValue turns predictions back into
/// the original labels; also written to and read from the model file as invariant-culture strings.
/// </summary>
internal sealed class LabelKeyValues
{
    private const string Kind = "KeyValues";
    private const string TrainingLabelValues = "TrainingLabelValues";
    private const string SlotNames = "SlotNames";

    private LabelKeyValues(DataViewSchema.Annotations annotations) => Annotations = annotations;

    /// <summary>Annotations holding only KeyValues (or none).</summary>
    public DataViewSchema.Annotations Annotations { get; }

    public static LabelKeyValues From(DataViewSchema.Annotations source)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(source, kind => kind == Kind);
        return new LabelKeyValues(builder.ToAnnotations());
    }

    /// <summary>
    /// What ML.NET's multiclass scorer puts on PredictedLabel from the label: its <c>KeyValues</c> (typed as the
    /// label's), when they are a vector of <paramref name="classCount"/> values; otherwise nothing
    /// (src/Microsoft.ML.Data/Scorers/PredictedLabelScorerBase.cs takes them from Score's TrainingLabelValues).
    /// </summary>
    public DataViewSchema.Annotations PredictedLabelAnnotations(int classCount)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (NamesClasses(classCount) is not null)
            builder.Add(Annotations, kind => kind == Kind);
        return builder.ToAnnotations();
    }

    /// <summary>
    /// What ML.NET's multiclass scorer puts on Score from the label (MulticlassClassificationScorer.WrapCore): the
    /// label's key values as <c>TrainingLabelValues</c>, and again as <c>SlotNames</c> when they are text, when they are
    /// a vector of <paramref name="classCount"/> values; otherwise nothing.
    /// </summary>
    public DataViewSchema.Annotations ScoreAnnotations(int classCount)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (NamesClasses(classCount) is { } column)
        {
            var add = typeof(LabelKeyValues).GetMethod(nameof(AddAs), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(((VectorDataViewType)column.Type).ItemType.RawType);
            add.Invoke(null, [builder, Annotations, column, TrainingLabelValues]);
            if (((VectorDataViewType)column.Type).ItemType is TextDataViewType)
                add.Invoke(null, [builder, Annotations, column, SlotNames]);
        }
        return builder.ToAnnotations();
    }

    private DataViewSchema.Column? NamesClasses(int classCount) =>
        Annotations.Schema.GetColumnOrNull(Kind) is { Type: VectorDataViewType { Size: var size } } column && size == classCount ? column : null;

    // The annotation's getter is typed by the item type: this generic step is called for it by reflection.
    private static void AddAs<T>(DataViewSchema.Annotations.Builder builder, DataViewSchema.Annotations source, DataViewSchema.Column column, string kind)
        => builder.Add(kind, column.Type, source.GetGetter<VBuffer<T>>(column));

    /// <summary>The item type's name and the values as strings, or null when the label had no key values.</summary>
    /// <exception cref="NotSupportedException">The key values are of a type the model file does not hold.</exception>
    public (string ItemType, string[] Values)? ToPortable()
    {
        var column = Annotations.Schema.GetColumnOrNull(Kind);
        if (column is null)
            return null;
        var itemType = ((VectorDataViewType)column.Value.Type).ItemType;
        if (itemType is TextDataViewType)
            return ("Text", Read<ReadOnlyMemory<char>>(v => v.ToString()));
        if (itemType.RawType == typeof(float)) return ("Single", Read<float>(v => v.ToString("R", CultureInfo.InvariantCulture)));
        if (itemType.RawType == typeof(double)) return ("Double", Read<double>(v => v.ToString("R", CultureInfo.InvariantCulture)));
        if (itemType.RawType == typeof(int)) return ("Int32", Read<int>(v => v.ToString(CultureInfo.InvariantCulture)));
        if (itemType.RawType == typeof(uint)) return ("UInt32", Read<uint>(v => v.ToString(CultureInfo.InvariantCulture)));
        if (itemType.RawType == typeof(long)) return ("Int64", Read<long>(v => v.ToString(CultureInfo.InvariantCulture)));
        if (itemType.RawType == typeof(bool)) return ("Boolean", Read<bool>(v => v ? "true" : "false"));
        throw new NotSupportedException($"The label's key values are of type {itemType}; the model file holds text, Single, Double, Int32, UInt32, Int64 or Boolean key values.");
    }

    private string[] Read<T>(Func<T, string> format)
    {
        var buffer = default(VBuffer<T>);
        Annotations.GetValue(Kind, ref buffer);
        return buffer.DenseValues().Select(format).ToArray();
    }

    /// <exception cref="InvalidDataException">An unknown item type or a value that does not parse.</exception>
    public static LabelKeyValues FromPortable(string? itemType, string[]? values)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (itemType is not null && values is not null)
        {
            try
            {
                switch (itemType)
                {
                    case "Text": Add(builder, TextDataViewType.Instance, values.Select(v => v.AsMemory())); break;
                    case "Single": Add(builder, NumberDataViewType.Single, values.Select(v => float.Parse(v, CultureInfo.InvariantCulture))); break;
                    case "Double": Add(builder, NumberDataViewType.Double, values.Select(v => double.Parse(v, CultureInfo.InvariantCulture))); break;
                    case "Int32": Add(builder, NumberDataViewType.Int32, values.Select(v => int.Parse(v, CultureInfo.InvariantCulture))); break;
                    case "UInt32": Add(builder, NumberDataViewType.UInt32, values.Select(v => uint.Parse(v, CultureInfo.InvariantCulture))); break;
                    case "Int64": Add(builder, NumberDataViewType.Int64, values.Select(v => long.Parse(v, CultureInfo.InvariantCulture))); break;
                    case "Boolean": Add(builder, BooleanDataViewType.Instance, values.Select(v => v == "true")); break;
                    default: throw new InvalidDataException($"Unknown key-value type '{itemType}' in the model file.");
                }
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"A key value of type {itemType} in the model file does not parse: {e.Message}", e);
            }
        }
        return new LabelKeyValues(builder.ToAnnotations());
    }

    private static void Add<T>(DataViewSchema.Annotations.Builder builder, PrimitiveDataViewType type, IEnumerable<T> values)
    {
        var array = values.ToArray();
        // AnnotationBuilderExtensions.AddKeyValues is internal to ML.NET: add the annotation under its kind name.
        builder.Add(Kind, new VectorDataViewType(type, array.Length),
            (ref VBuffer<T> value) => new VBuffer<T>(array.Length, (T[])array.Clone()).CopyTo(ref value));
    }
}
