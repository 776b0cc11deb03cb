using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// The label column's KeyValues annotation, carried to PredictedLabel so MapKeyToValue turns predictions back into
/// the original labels; also written to and read from the model file as invariant-culture strings.
/// </summary>
internal sealed class LabelKeyValues
{
    private const string Kind = "KeyValues";

    private LabelKeyValues(DataViewSchema.Annotations annotations) => Annotations = annotations;

    /// <summary>Annotations holding only KeyValues (or none).</summary>
    public DataViewSchema.Annotations Annotations { get; }

    public static LabelKeyValues From(DataViewSchema.Annotations source)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(source, kind => kind == Kind);
        return new LabelKeyValues(builder.ToAnnotations());
    }

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
