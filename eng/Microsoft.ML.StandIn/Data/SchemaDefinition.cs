using System.Reflection;
using Microsoft.ML.Internal;

namespace Microsoft.ML.Data;

/// <summary>Marks an unsigned integer member as a key of cardinality <c>count</c> (default: the type's maximum).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class KeyTypeAttribute : Attribute
{
    /// <summary>A key whose cardinality is the member type's maximum value.</summary>
    public KeyTypeAttribute()
    {
    }

    /// <summary>A key of cardinality <paramref name="count"/>.</summary>
    public KeyTypeAttribute(ulong count)
    {
        Count = count;
    }

    internal ulong? Count { get; }
}

/// <summary>Marks an array member as a vector column; a size (or dimensions) makes it of known size, 0 is unknown.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class VectorTypeAttribute : Attribute
{
    /// <summary>A vector of unknown size.</summary>
    public VectorTypeAttribute()
    {
    }

    /// <summary>A vector of <paramref name="size"/> items (0: unknown).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative.</exception>
    public VectorTypeAttribute(int size)
    {
        if (size < 0)
            throw new ArgumentOutOfRangeException(nameof(size), "Should be non-negative number");
        Dims = new[] { size };
    }

    /// <summary>A vector of the given dimensions.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    public VectorTypeAttribute(params int[] dimensions)
    {
        if (dimensions.Any(d => d < 0))
            throw new ArgumentOutOfRangeException(nameof(dimensions), "Should contain only non-negative values");
        Dims = dimensions;
    }

    internal int[]? Dims { get; }
}

/// <summary>Gives the column name of a member (the member name by default).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class ColumnNameAttribute : Attribute
{
    /// <summary>Names the column <paramref name="name"/>.</summary>
    public ColumnNameAttribute(string name)
    {
        Name = name;
    }

    internal string Name { get; }
}

/// <summary>Excludes a member from the columns.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class NoColumnAttribute : Attribute
{
}

/// <summary>
/// The columns of a class used as rows: per public field or property, the member, the column name and the column type.
/// </summary>
public sealed class SchemaDefinition : List<SchemaDefinition.Column>
{
    /// <summary>One column.</summary>
    public sealed class Column
    {
        /// <summary>An empty column definition.</summary>
        public Column()
        {
        }

        /// <summary>The member the column is read from / written to.</summary>
        public string MemberName { get; set; } = "";

        /// <summary>The column name (the member name when null).</summary>
        public string ColumnName { get; set; } = "";

        /// <summary>The column type; settable, for example to give a vector its size at run time.</summary>
        public DataViewType? ColumnType { get; set; }
    }

    /// <summary>Which members are taken: readable ones, writable ones, or both.</summary>
    [Flags]
    public enum Direction
    {
        /// <summary>Readable members.</summary>
        Read = 1,
        /// <summary>Writable members.</summary>
        Write = 2,
        /// <summary>Readable and writable members.</summary>
        Both = Read | Write,
    }

    /// <summary>The column named <paramref name="columnName"/> (get: null when absent; set: replaces or adds).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Setting a column whose name differs from <paramref name="columnName"/>.</exception>
    public Column this[string columnName]
    {
        get => this.FirstOrDefault(c => c.ColumnName == columnName)!;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.ColumnName != columnName)
                throw new ArgumentOutOfRangeException(nameof(columnName), $"The column name is specified as '{value.ColumnName}' but must match the selector '{columnName}'.");
            int index = FindIndex(c => c.ColumnName == columnName);
            if (index >= 0)
                this[index] = value;
            else
                Add(value);
        }
    }

    /// <summary>
    /// The definition of <paramref name="userType"/>'s public instance fields and properties (not [NoColumn]):
    /// float, double, sbyte..ulong, bool, string (text), and arrays of those (vectors: [VectorType(size)] gives the
    /// size); [KeyType(count)] on an unsigned member makes a key; [ColumnName] renames.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="userType"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A member has a type with no data view type, or two members
    /// have the same column name.</exception>
    public static SchemaDefinition Create(Type userType, Direction direction = Direction.Both)
    {
        ArgumentNullException.ThrowIfNull(userType);
        var definition = new SchemaDefinition();
        var names = new HashSet<string>();
        foreach (var member in PocoMembers.Get(userType, direction))
        {
            string name = member.GetCustomAttribute<ColumnNameAttribute>()?.Name ?? member.Name;
            if (!names.Add(name))
                throw new ArgumentOutOfRangeException(nameof(userType), $"Duplicate column name '{name}' detected, this is disallowed");
            definition.Add(new Column { MemberName = member.Name, ColumnName = name, ColumnType = PocoMembers.TypeOf(member) });
        }
        return definition;
    }
}
