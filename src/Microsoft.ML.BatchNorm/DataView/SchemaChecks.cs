using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>
/// Input-column checks with ML.NET's conventions: a schema problem (missing column, wrong type or size) is an
/// <see cref="ArgumentOutOfRangeException"/> on the schema argument, with a message that names the column, the
/// expected type and the actual one.
/// </summary>
internal static class SchemaChecks
{
    /// <summary>Finds a column in a schema shape (SchemaShape has no public look-up by name).</summary>
    public static SchemaShape.Column? FindColumn(SchemaShape shape, string name)
    {
        foreach (var column in shape)
        {
            if (column.Name == name)
                return column;
        }
        return null;
    }

    public static ArgumentOutOfRangeException MissingColumn(string paramName, string role, string name, IEnumerable<string> available)
        => new(paramName, $"{role} column '{name}' was not found in the input schema (its columns: {string.Join(", ", available.Distinct().Take(20))}).");

    public static ArgumentOutOfRangeException WrongType(string paramName, string role, string name, string expected, string actual)
        => new(paramName, $"{role} column '{name}' has type {actual}; expected {expected}.");

    /// <summary>
    /// Checks that <paramref name="name"/> is a Single or a known-size vector of Single and returns its slot count
    /// (1 for a scalar) and whether it is a vector.
    /// </summary>
    public static (int Size, bool IsVector) RequireSingleOrKnownSizeVector(DataViewSchema schema, string name, string role, string paramName)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw MissingColumn(paramName, role, name, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        const string Expected = "Single or a known-size vector of Single";
        switch (column.Type)
        {
            case NumberDataViewType number when number.RawType == typeof(float):
                return (1, false);
            case VectorDataViewType vector when vector.ItemType.RawType == typeof(float) && vector.ItemType is NumberDataViewType:
                if (!vector.IsKnownSize)
                    throw WrongType(paramName, role, name, Expected, $"{vector} (a variable-length vector)");
                return (vector.Size, true);
            default:
                throw WrongType(paramName, role, name, Expected, column.Type.ToString() ?? column.Type.GetType().Name);
        }
    }

    /// <summary>The same check on a schema shape, where vector sizes are unknown.</summary>
    public static SchemaShape.Column RequireSingleOrKnownSizeVector(SchemaShape shape, string name, string role, string paramName)
    {
        var column = FindColumn(shape, name) ?? throw MissingColumn(paramName, role, name, shape.Select(c => c.Name));
        const string Expected = "Single or a known-size vector of Single";
        bool isSingle = !column.IsKey && column.ItemType is NumberDataViewType && column.ItemType.RawType == typeof(float);
        if (!isSingle || column.Kind == SchemaShape.Column.VectorKind.VariableVector)
            throw WrongType(paramName, role, name, Expected, Describe(column));
        return column;
    }

    public static string Describe(SchemaShape.Column column)
    {
        string item = column.IsKey ? $"Key<{column.ItemType}>" : $"{column.ItemType}";
        return column.Kind switch
        {
            SchemaShape.Column.VectorKind.Vector => $"Vector<{item}>",
            SchemaShape.Column.VectorKind.VariableVector => $"Vector<{item}> (a variable-length vector)",
            _ => item,
        };
    }
}
