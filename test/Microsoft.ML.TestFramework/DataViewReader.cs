using Microsoft.ML.Data;

namespace Microsoft.ML.TestFramework;

/// <summary>Reads whole columns of an <see cref="IDataView"/> into memory, in <see cref="CellReader"/>'s canonical form.</summary>
public static class DataViewReader
{
    /// <summary>
    /// Reads <paramref name="columns"/> (all visible columns when null) with one cursor that has exactly those
    /// columns active. Returns, per column name, one cell per row.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A named column is not in the schema.</exception>
    public static IReadOnlyDictionary<string, List<object?[]>> Read(IDataView data, IEnumerable<string>? columns = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var selected = (columns ?? data.Schema.Where(c => !c.IsHidden).Select(c => c.Name))
            .Select(name => data.Schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(columns),
                $"Column '{name}' is not in the schema ({string.Join(", ", data.Schema.Select(c => c.Name))})."))
            .ToArray();
        var result = selected.ToDictionary(c => c.Name, _ => new List<object?[]>());
        using var cursor = data.GetRowCursor(selected);
        var readers = selected.Select(c => (c.Name, Read: CellReader.Create(cursor, c))).ToArray();
        while (cursor.MoveNext())
        {
            foreach (var (name, read) in readers)
                result[name].Add(read());
        }
        return result;
    }

    /// <summary>Reads one column: one cell per row.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is not in the schema.</exception>
    public static List<object?[]> ReadColumn(IDataView data, string column) => Read(data, [column])[column];

    /// <summary>Reads a Single or Single-vector column as one float[] per row (dense).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or does not hold Single values.</exception>
    public static float[][] ReadSingles(IDataView data, string column)
    {
        ArgumentNullException.ThrowIfNull(data);
        var type = data.Schema.GetColumnOrNull(column)?.Type;
        var item = type is VectorDataViewType vector ? vector.ItemType : type;
        if (item is not NumberDataViewType || item.RawType != typeof(float))
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column}' is {type?.ToString() ?? "missing"}; expected Single or a vector of Single.");
        return ReadColumn(data, column).Select(cell => cell.Select(v => (float)(double)v!).ToArray()).ToArray();
    }
}
