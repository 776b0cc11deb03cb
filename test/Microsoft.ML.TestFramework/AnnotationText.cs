using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.TestFramework;

/// <summary>
/// Annotations as comparable text: "kind: type = value" for each annotation, in order, every value read (text,
/// Boolean, keys of UInt32, and vectors of text, Boolean and numbers, numbers in invariant round-trip form).
/// </summary>
public static class AnnotationText
{
    /// <summary>One line per annotation of <paramref name="annotations"/>, in their order.</summary>
    /// <exception cref="InvalidOperationException">An annotation of a type this reader does not know (add it, so its value is compared).</exception>
    public static string[] Describe(DataViewSchema.Annotations annotations) =>
        annotations.Schema.Select(c => $"{c.Name}: {c.Type} = {Value(annotations, c)}").ToArray();

    private static string Value(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        switch (column.Type)
        {
            case VectorDataViewType vector:
                return "[" + string.Join(", ", vector.ItemType switch
                {
                    TextDataViewType => Items<ReadOnlyMemory<char>>(annotations, column).Select(v => v.ToString()),
                    BooleanDataViewType => Items<bool>(annotations, column).Select(v => v.ToString()),
                    KeyDataViewType => throw Unknown(column),
                    _ when vector.ItemType.RawType == typeof(float) => Items<float>(annotations, column).Select(v => v.ToString("R", CultureInfo.InvariantCulture)),
                    _ when vector.ItemType.RawType == typeof(double) => Items<double>(annotations, column).Select(v => v.ToString("R", CultureInfo.InvariantCulture)),
                    _ when vector.ItemType.RawType == typeof(uint) => Items<uint>(annotations, column).Select(v => v.ToString(CultureInfo.InvariantCulture)),
                    _ when vector.ItemType.RawType == typeof(int) => Items<int>(annotations, column).Select(v => v.ToString(CultureInfo.InvariantCulture)),
                    _ when vector.ItemType.RawType == typeof(long) => Items<long>(annotations, column).Select(v => v.ToString(CultureInfo.InvariantCulture)),
                    _ => throw Unknown(column),
                }) + "]";
            case TextDataViewType:
                var text = default(ReadOnlyMemory<char>);
                annotations.GetValue(column.Name, ref text);
                return text.ToString();
            case BooleanDataViewType:
                bool flag = false;
                annotations.GetValue(column.Name, ref flag);
                return flag.ToString();
            case KeyDataViewType when column.Type.RawType == typeof(uint):
                uint key = 0;
                annotations.GetValue(column.Name, ref key);
                return key.ToString(CultureInfo.InvariantCulture);
            default:
                throw Unknown(column);
        }
    }

    private static InvalidOperationException Unknown(DataViewSchema.Column column) =>
        new($"Annotation '{column.Name}' of type {column.Type}: no reader here; add one so that its value is compared.");

    private static IEnumerable<T> Items<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        var values = default(VBuffer<T>);
        annotations.GetValue(column.Name, ref values);
        return values.DenseValues().ToArray();
    }
}
