using System.Collections;
using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// The ordered columns of a data view. Names may repeat: the last column of a name is found by name, earlier ones
/// are hidden (reachable by index only).
/// </summary>
public sealed class DataViewSchema : IReadOnlyList<DataViewSchema.Column>
{
    private readonly Column[] _columns;
    private readonly Dictionary<string, int> _nameMap;

    private DataViewSchema(Column[] columns)
    {
        _columns = columns;
        _nameMap = new Dictionary<string, int>();
        for (int i = 0; i < columns.Length; i++)
            _nameMap[columns[i].Name] = i;
    }

    /// <summary>Number of columns (hidden ones included).</summary>
    public int Count => _columns.Length;

    /// <summary>The visible column named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">No such column.</exception>
    public Column this[string name]
    {
        get
        {
            if (string.IsNullOrEmpty(name))
                throw new ArgumentNullException(nameof(name));
            if (!_nameMap.TryGetValue(name, out int index))
                throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' not found");
            return _columns[index];
        }
    }

    /// <summary>The column at <paramref name="columnIndex"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is out of range.</exception>
    public Column this[int columnIndex]
    {
        get
        {
            if (columnIndex < 0 || columnIndex >= _columns.Length)
                throw new ArgumentOutOfRangeException(nameof(columnIndex));
            return _columns[columnIndex];
        }
    }

    /// <summary>The visible column named <paramref name="name"/>, or null.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null or empty.</exception>
    public Column? GetColumnOrNull(string name)
    {
        if (string.IsNullOrEmpty(name))
            throw new ArgumentNullException(nameof(name));
        return _nameMap.TryGetValue(name, out int index) ? _columns[index] : null;
    }

    /// <inheritdoc/>
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => $"{Count} columns";

    internal static DataViewSchema Empty { get; } = new DataViewSchema(Array.Empty<Column>());

    /// <summary>One column of a schema: name, index, hidden flag, type and annotations.</summary>
    public struct Column
    {
        /// <summary>The name.</summary>
        public string Name { get; }

        /// <summary>The index in the schema.</summary>
        public int Index { get; }

        /// <summary>Whether a later column has the same name.</summary>
        public bool IsHidden { get; }

        /// <summary>The type.</summary>
        public DataViewType Type { get; }

        /// <summary>The annotations (never null).</summary>
        public Annotations Annotations { get; }

        internal Column(string name, int index, bool isHidden, DataViewType type, Annotations? annotations)
        {
            if (string.IsNullOrEmpty(name))
                throw new ArgumentNullException(nameof(name));
            if (index < 0)
                throw new ArgumentOutOfRangeException(nameof(index));
            Name = name;
            Index = index;
            IsHidden = isHidden;
            Type = type ?? throw new ArgumentNullException(nameof(type));
            Annotations = annotations ?? Annotations.Empty;
        }

        /// <inheritdoc/>
        public override string ToString()
        {
            var annotations = Annotations;
            string extra = annotations.Schema.Count == 0 ? "" : $" {{{string.Join(", ", annotations.Schema.Select(c => c.Name))}}}";
            return $"{Name}: {Type}{extra}";
        }
    }

    /// <summary>A column description not attached to a schema.</summary>
    public struct DetachedColumn
    {
        /// <summary>The name.</summary>
        public string Name { get; }

        /// <summary>The type.</summary>
        public DataViewType Type { get; }

        /// <summary>The annotations (never null).</summary>
        public Annotations Annotations { get; }

        /// <summary>Creates a detached column.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="name"/> is null or empty, or <paramref name="type"/> is null.</exception>
        public DetachedColumn(string name, DataViewType type, Annotations? annotations = null)
        {
            if (string.IsNullOrEmpty(name))
                throw new ArgumentNullException(nameof(name));
            Name = name;
            Type = type ?? throw new ArgumentNullException(nameof(type));
            Annotations = annotations ?? Annotations.Empty;
        }

        /// <summary>Copies name, type and annotations of <paramref name="column"/>.</summary>
        public DetachedColumn(Column column)
        {
            Name = column.Name;
            Type = column.Type;
            Annotations = column.Annotations;
        }
    }

    /// <summary>
    /// The annotations of a column: a one-row table whose columns are the annotation kinds (for example
    /// <c>KeyValues</c>, <c>SlotNames</c>, <c>IsNormalized</c>).
    /// </summary>
    public sealed class Annotations
    {
        private readonly Delegate[] _getters;

        internal Annotations(DataViewSchema schema, Delegate[] getters)
        {
            if (schema.Count != getters.Length)
                throw new ArgumentException("One getter per annotation column is required.", nameof(getters));
            for (int i = 0; i < getters.Length; i++)
            {
                var expected = typeof(ValueGetter<>).MakeGenericType(schema[i].Type.RawType);
                if (getters[i] == null || getters[i].GetType() != expected)
                    throw new ArgumentException($"Getter of type '{expected}' expected for annotation '{schema[i].Name}'.", nameof(getters));
            }
            Schema = schema;
            _getters = getters;
        }

        /// <summary>The schema of the annotation row.</summary>
        public DataViewSchema Schema { get; }

        /// <summary>No annotations.</summary>
        public static Annotations Empty { get; } = new Annotations(DataViewSchema.Empty, Array.Empty<Delegate>());

        /// <summary>The getter of one annotation.</summary>
        /// <exception cref="ArgumentException"><paramref name="column"/> is not in <see cref="Schema"/>.</exception>
        /// <exception cref="InvalidOperationException"><typeparamref name="TValue"/> is not the annotation's raw type.</exception>
        public ValueGetter<TValue> GetGetter<TValue>(Column column)
        {
            if (column.Index >= _getters.Length)
                throw new ArgumentException(nameof(column));
            return _getters[column.Index] as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Invalid call to '{nameof(GetGetter)}'");
        }

        /// <summary>Reads the annotation <paramref name="kind"/> into <paramref name="value"/>.</summary>
        /// <exception cref="InvalidOperationException">No such annotation, or a type mismatch.</exception>
        public void GetValue<TValue>(string kind, ref TValue value)
        {
            var column = Schema.GetColumnOrNull(kind)
                ?? throw new InvalidOperationException($"Invalid call to '{nameof(GetValue)}'");
            GetGetter<TValue>(column)(ref value);
        }

        /// <inheritdoc/>
        public override string ToString() => string.Join(", ", Schema.Select(c => c.Name));

        internal Delegate GetGetterInternal(int index) => _getters[index];

        /// <summary>Builds an <see cref="Annotations"/> incrementally.</summary>
        public sealed class Builder
        {
            private readonly List<(string Name, DataViewType Type, Delegate Getter, Annotations? Annotations)> _items = new();

            /// <summary>Creates an empty builder.</summary>
            public Builder()
            {
            }

            /// <summary>Adds the annotations of <paramref name="annotations"/> whose names satisfy <paramref name="selector"/>
            /// (nothing when <paramref name="annotations"/> is null).</summary>
            /// <exception cref="ArgumentNullException"><paramref name="selector"/> is null.</exception>
            public void Add(Annotations? annotations, Func<string, bool> selector)
            {
                if (annotations == null)
                    return;
                ArgumentNullException.ThrowIfNull(selector);
                foreach (var column in annotations.Schema)
                {
                    if (selector(column.Name))
                        _items.Add((column.Name, column.Type, annotations.GetGetterInternal(column.Index), column.Annotations));
                }
            }

            /// <summary>Adds one annotation.</summary>
            /// <exception cref="ArgumentNullException">An argument is null or <paramref name="name"/> is empty.</exception>
            /// <exception cref="ArgumentException"><paramref name="type"/>'s raw type is not <typeparamref name="TValue"/>.</exception>
            public void Add<TValue>(string name, DataViewType type, ValueGetter<TValue> getter, Annotations? annotations = null)
            {
                if (string.IsNullOrEmpty(name))
                    throw new ArgumentNullException(nameof(name));
                ArgumentNullException.ThrowIfNull(type);
                ArgumentNullException.ThrowIfNull(getter);
                if (type.RawType != typeof(TValue))
                    throw new ArgumentException($"type.RawType must be of type '{typeof(TValue).FullName}'.", nameof(type));
                _items.Add((name, type, getter, annotations));
            }

            /// <summary>Adds one annotation with a weakly typed getter (checked against <paramref name="type"/>).</summary>
            /// <exception cref="ArgumentNullException">An argument is null or <paramref name="name"/> is empty.</exception>
            /// <exception cref="ArgumentException"><paramref name="getter"/> is not a <see cref="ValueGetter{TValue}"/> of the raw type.</exception>
            public void Add(string name, DataViewType type, Delegate getter, Annotations? annotations = null)
            {
                if (string.IsNullOrEmpty(name))
                    throw new ArgumentNullException(nameof(name));
                ArgumentNullException.ThrowIfNull(type);
                ArgumentNullException.ThrowIfNull(getter);
                var expected = typeof(ValueGetter<>).MakeGenericType(type.RawType);
                if (getter.GetType() != expected)
                    throw new ArgumentException($"getter must be of type '{expected.FullName}'", nameof(getter));
                _items.Add((name, type, getter, annotations));
            }

            /// <summary>Adds one annotation with a constant primitive value.</summary>
            /// <exception cref="ArgumentNullException">An argument is null or <paramref name="name"/> is empty.</exception>
            /// <exception cref="ArgumentException"><paramref name="type"/>'s raw type is not <typeparamref name="TValue"/>.</exception>
            public void AddPrimitiveValue<TValue>(string name, PrimitiveDataViewType type, TValue value, Annotations? annotations = null)
            {
                if (string.IsNullOrEmpty(name))
                    throw new ArgumentNullException(nameof(name));
                ArgumentNullException.ThrowIfNull(type);
                if (type.RawType != typeof(TValue))
                    throw new ArgumentException($"type.RawType must be of type '{typeof(TValue).FullName}'.", nameof(type));
                Add(name, type, (ref TValue dst) => dst = value, annotations);
            }

            /// <summary>The annotations added so far.</summary>
            public Annotations ToAnnotations()
            {
                var builder = new DataViewSchema.Builder();
                foreach (var item in _items)
                    builder.AddColumn(item.Name, item.Type, item.Annotations);
                return new Annotations(builder.ToSchema(), _items.Select(i => i.Getter).ToArray());
            }
        }
    }

    /// <summary>Builds a <see cref="DataViewSchema"/> incrementally.</summary>
    public sealed class Builder
    {
        private readonly List<(string Name, DataViewType Type, Annotations? Annotations)> _items = new();

        /// <summary>Creates an empty builder.</summary>
        public Builder()
        {
        }

        /// <summary>Adds a column.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="name"/> is null or empty, or <paramref name="type"/> is null.</exception>
        public void AddColumn(string name, DataViewType type, Annotations? annotations = null)
        {
            if (string.IsNullOrEmpty(name))
                throw new ArgumentNullException(nameof(name));
            ArgumentNullException.ThrowIfNull(type);
            _items.Add((name, type, annotations));
        }

        /// <summary>Adds copies of existing columns (name, type, annotations).</summary>
        public void AddColumns(IEnumerable<Column> source)
        {
            foreach (var column in source)
                AddColumn(column.Name, column.Type, column.Annotations);
        }

        /// <summary>Adds detached columns.</summary>
        public void AddColumns(IEnumerable<DetachedColumn> source)
        {
            foreach (var column in source)
                AddColumn(column.Name, column.Type, column.Annotations);
        }

        /// <summary>The schema built so far.</summary>
        public DataViewSchema ToSchema()
        {
            var last = new Dictionary<string, int>();
            for (int i = 0; i < _items.Count; i++)
                last[_items[i].Name] = i;
            var columns = new Column[_items.Count];
            for (int i = 0; i < columns.Length; i++)
                columns[i] = new Column(_items[i].Name, i, last[_items[i].Name] != i, _items[i].Type, _items[i].Annotations);
            return new DataViewSchema(columns);
        }
    }
}
