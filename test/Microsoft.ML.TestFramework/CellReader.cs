using Microsoft.ML.Data;

namespace Microsoft.ML.TestFramework;

/// <summary>
/// Reads the values of one column of a row in a canonical, comparable form: one element per slot (a scalar has
/// one), every number as <see cref="double"/> (exact for Single and for integers below 2^53), a key as its
/// <see cref="ulong"/> raw value (0 = missing), text as <see cref="string"/>, Boolean as <see cref="bool"/>; any
/// other item type as the boxed raw value. Sparse vectors are expanded to dense.
/// </summary>
public static class CellReader
{
    /// <summary>A reader of <paramref name="column"/>'s value in the current row of <paramref name="row"/>.</summary>
    /// <param name="row">A row or cursor with <paramref name="column"/> active.</param>
    /// <param name="column">The column; its type decides the getter's type parameter.</param>
    /// <exception cref="InvalidOperationException">The row refuses a getter (for example the column is inactive).</exception>
    public static Func<object?[]> Create(DataViewRow row, DataViewSchema.Column column)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (column.Type is VectorDataViewType vector)
        {
            var method = typeof(CellReader).GetMethod(nameof(VectorReader), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(vector.ItemType.RawType);
            return Invoke(method, row, column, vector.ItemType);
        }
        var scalar = typeof(CellReader).GetMethod(nameof(ScalarReader), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType);
        return Invoke(scalar, row, column, column.Type);
    }

    // Without unwrapping, a getter refused by the row would surface as TargetInvocationException.
    private static Func<object?[]> Invoke(System.Reflection.MethodInfo method, DataViewRow row, DataViewSchema.Column column, DataViewType itemType)
        => (Func<object?[]>)method.Invoke(null, System.Reflection.BindingFlags.DoNotWrapExceptions, null, [row, column, itemType], null)!;

    /// <summary>Describes a canonical cell for messages (at most 8 slots).</summary>
    public static string Describe(object?[] cell)
        => cell.Length == 1 ? Format(cell[0])
            : $"[{string.Join(", ", cell.Take(8).Select(Format))}{(cell.Length > 8 ? ", ..." : "")}] ({cell.Length} slots)";

    internal static string Format(object? value) => value switch
    {
        null => "null",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        string s => $"\"{s}\"",
        _ => value.ToString() ?? "",
    };

    private static Func<object?[]> ScalarReader<T>(DataViewRow row, DataViewSchema.Column column, DataViewType itemType)
    {
        var getter = row.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return [Canonical(value, itemType)];
        };
    }

    private static Func<object?[]> VectorReader<T>(DataViewRow row, DataViewSchema.Column column, DataViewType itemType)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        var buffer = default(VBuffer<T>);
        return () =>
        {
            getter(ref buffer);
            // Implicit slots of a sparse vector hold default(T): canonicalize that too (a missing key, empty text).
            var cell = new object?[buffer.Length];
            object? zero = Canonical(default(T)!, itemType);
            Array.Fill(cell, zero);
            var values = buffer.GetValues();
            if (buffer.IsDense)
            {
                for (int i = 0; i < values.Length; i++)
                    cell[i] = Canonical(values[i], itemType);
            }
            else
            {
                var indices = buffer.GetIndices();
                for (int k = 0; k < values.Length; k++)
                    cell[indices[k]] = Canonical(values[k], itemType);
            }
            return cell;
        };
    }

    private static object? Canonical<T>(T value, DataViewType itemType)
    {
        object? boxed = value;
        if (itemType is KeyDataViewType)
            return Convert.ToUInt64(boxed, System.Globalization.CultureInfo.InvariantCulture);
        return boxed switch
        {
            float f => (double)f,
            double d => d,
            sbyte or byte or short or ushort or int or uint or long or ulong
                => Convert.ToDouble(boxed, System.Globalization.CultureInfo.InvariantCulture),
            ReadOnlyMemory<char> text => text.ToString(),
            _ => boxed,
        };
    }
}
