using System.Collections;
using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// A relaxed schema used for estimator schema propagation: per visible column its name, vector kind, item type
/// (the raw unsigned type for keys), whether it is a key, and the shapes of its annotations.
/// </summary>
public sealed class SchemaShape : IReadOnlyList<SchemaShape.Column>
{
    private static readonly SchemaShape EmptyShape = new SchemaShape(Enumerable.Empty<Column>());
    private readonly Column[] _columns;

    /// <summary>Creates a shape from columns (obtained from other shapes: the column constructor is internal).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="columns"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is default-initialized.</exception>
    public SchemaShape(IEnumerable<Column> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns.ToArray();
        if (_columns.Any(c => !c.IsValid))
            throw new ArgumentOutOfRangeException(nameof(columns), "Some items are not initialized properly.");
    }

    /// <summary>Number of columns.</summary>
    public int Count => _columns.Length;

    /// <summary>The column at <paramref name="index"/>.</summary>
    public Column this[int index] => _columns[index];

    /// <inheritdoc/>
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The shape of one column.</summary>
    public readonly struct Column
    {
        /// <summary>Scalar, known-size vector or variable-size vector.</summary>
        public enum VectorKind
        {
            /// <summary>Not a vector.</summary>
            Scalar,
            /// <summary>A vector of known size.</summary>
            Vector,
            /// <summary>A vector of unknown size.</summary>
            VariableVector,
        }

        /// <summary>The column name.</summary>
        public readonly string Name;

        /// <summary>The vector kind.</summary>
        public readonly VectorKind Kind;

        /// <summary>The item type (for keys the raw unsigned number type).</summary>
        public readonly DataViewType ItemType;

        /// <summary>Whether the item is a key.</summary>
        public readonly bool IsKey;

        /// <summary>The shapes of the annotations.</summary>
        public readonly SchemaShape Annotations;

        // Internal in ML.NET ([BestFriend]): outsiders get columns only from existing shapes.
        internal Column(string name, VectorKind vecKind, DataViewType itemType, bool isKey, SchemaShape? annotations = null)
        {
            if (string.IsNullOrEmpty(name))
                throw new ArgumentNullException(nameof(name));
            ArgumentNullException.ThrowIfNull(itemType);
            if (itemType is KeyDataViewType)
                throw new ArgumentException("Item type cannot be a key", nameof(itemType));
            if (itemType is VectorDataViewType)
                throw new ArgumentException("Item type cannot be a vector", nameof(itemType));
            if (isKey && !KeyDataViewType.IsValidDataType(itemType.RawType))
                throw new ArgumentException("The item type must be valid for a key", nameof(itemType));
            if (vecKind != VectorKind.Scalar && itemType is not PrimitiveDataViewType)
                throw new ArgumentException("If vecKind is not Scalar, then the item type must be a PrimitiveDataViewType", nameof(itemType));
            Name = name;
            Kind = vecKind;
            ItemType = itemType;
            IsKey = isKey;
            Annotations = annotations ?? EmptyShape;
        }

        internal bool IsValid => Name != null;

        internal bool IsCompatibleWith(Column source)
        {
            if (Name != source.Name || Kind != source.Kind || !ItemType.Equals(source.ItemType) || IsKey != source.IsKey)
                return false;
            foreach (var annotation in Annotations)
            {
                if (!source.Annotations.TryFindColumn(annotation.Name, out var other) || !annotation.IsCompatibleWith(other))
                    return false;
            }
            return true;
        }

        internal string GetTypeString()
        {
            string result = ItemType.ToString() ?? "";
            if (IsKey)
                result = $"Key<{result}>";
            if (Kind == VectorKind.Vector)
                result = $"Vector<{result}>";
            else if (Kind == VectorKind.VariableVector)
                result = $"VarVector<{result}>";
            return result;
        }
    }

    internal static void GetColumnTypeShape(DataViewType type, out Column.VectorKind vecKind, out DataViewType itemType, out bool isKey)
    {
        if (type is VectorDataViewType vector)
        {
            vecKind = vector.IsKnownSize ? Column.VectorKind.Vector : Column.VectorKind.VariableVector;
            itemType = vector.ItemType;
        }
        else
        {
            vecKind = Column.VectorKind.Scalar;
            itemType = type;
        }
        isKey = itemType is KeyDataViewType;
        if (isKey)
            itemType = NumberTypeOf(itemType.RawType);
    }

    internal static PrimitiveDataViewType NumberTypeOf(Type raw)
        => raw == typeof(byte) ? NumberDataViewType.Byte : raw == typeof(ushort) ? NumberDataViewType.UInt16
            : raw == typeof(uint) ? NumberDataViewType.UInt32 : raw == typeof(ulong) ? NumberDataViewType.UInt64
            : throw new ArgumentException($"'{raw}' is not a key raw type.", nameof(raw));

    /// <summary>The shape of the visible columns of <paramref name="schema"/>. Internal in ML.NET 5 ([BestFriend]),
    /// kept internal and under the same name here.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="schema"/> is null.</exception>
    internal static SchemaShape Create(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var columns = new List<Column>();
        foreach (var column in schema)
        {
            if (column.IsHidden)
                continue;
            var annotationColumns = new List<Column>();
            foreach (var annotation in column.Annotations.Schema)
            {
                GetColumnTypeShape(annotation.Type, out var k, out var t, out var key);
                annotationColumns.Add(new Column(annotation.Name, k, t, key));
            }
            GetColumnTypeShape(column.Type, out var kind, out var itemType, out var isKey);
            columns.Add(new Column(column.Name, kind, itemType, isKey,
                annotationColumns.Count > 0 ? new SchemaShape(annotationColumns) : EmptyShape));
        }
        return new SchemaShape(columns);
    }

    internal bool TryFindColumn(string name, out Column column)
    {
        ArgumentNullException.ThrowIfNull(name);
        column = _columns.FirstOrDefault(c => c.Name == name);
        return column.IsValid;
    }
}
