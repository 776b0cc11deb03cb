using Microsoft.ML.Data;

namespace Microsoft.ML.TestFramework;

/// <summary>
/// Builds an <see cref="InMemoryDataView"/> column by column, with the types tests need and
/// <c>LoadFromEnumerable</c> cannot express as directly: sparse vectors, variable-length vectors, keys of a
/// given count, slot names. Every column must have the same number of rows. The arrays are copied.
/// </summary>
public sealed class InMemoryDataBuilder
{
    private readonly DataViewSchema.Builder _schema = new();
    private readonly List<InMemoryColumn> _columns = [];

    /// <summary>Adds a Single column.</summary>
    public InMemoryDataBuilder AddSingle(string name, params float[] values)
        => AddScalar(name, NumberDataViewType.Single, values);

    /// <summary>Adds a Double column.</summary>
    public InMemoryDataBuilder AddDouble(string name, params double[] values)
        => AddScalar(name, NumberDataViewType.Double, values);

    /// <summary>Adds a Boolean column.</summary>
    public InMemoryDataBuilder AddBoolean(string name, params bool[] values)
        => AddScalar(name, BooleanDataViewType.Instance, values);

    /// <summary>Adds a text column.</summary>
    public InMemoryDataBuilder AddText(string name, params string[] values)
        => AddScalar(name, TextDataViewType.Instance, values.Select(v => v.AsMemory()).ToArray());

    /// <summary>Adds a key column of raw type <see cref="uint"/> with <paramref name="count"/> keys (values 1..count, 0 = missing).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value exceeds <paramref name="count"/>.</exception>
    public InMemoryDataBuilder AddKey(string name, ulong count, params uint[] values)
    {
        if (Array.FindIndex(values, v => v > count) is var bad and >= 0)
            throw new ArgumentOutOfRangeException(nameof(values), $"Key column '{name}' row {bad}: {values[bad]} exceeds the key count {count}.");
        return AddScalar(name, new KeyDataViewType(typeof(uint), count), values);
    }

    /// <summary>
    /// Adds a dense vector column of Single. The vector size is the common row length, or unknown (a
    /// variable-length vector) when <paramref name="variableSize"/> is true.
    /// </summary>
    /// <param name="name">Column name.</param>
    /// <param name="rows">One array per row.</param>
    /// <param name="variableSize">true for a variable-length vector type.</param>
    /// <param name="slotNames">Optional SlotNames annotation (known-size vectors only), one name per slot.</param>
    /// <exception cref="ArgumentException">Rows of different lengths in a known-size vector, or slot names of the wrong count.</exception>
    public InMemoryDataBuilder AddSingleVector(string name, float[][] rows, bool variableSize = false, string[]? slotNames = null)
        => AddVector(name, NumberDataViewType.Single, rows, variableSize, slotNames);

    /// <summary>Adds a dense known-size vector column of Double (see <see cref="AddSingleVector"/>).</summary>
    public InMemoryDataBuilder AddDoubleVector(string name, double[][] rows)
        => AddVector(name, NumberDataViewType.Double, rows, false, null);

    /// <summary>
    /// Adds a known-size vector column of Single of <paramref name="size"/> slots whose rows are delivered sparse:
    /// only the listed (index, value) pairs are explicit, the other slots are zero.
    /// </summary>
    /// <exception cref="ArgumentException">Indices not strictly increasing in [0, size), or indices and values of different lengths.</exception>
    public InMemoryDataBuilder AddSparseSingleVector(string name, int size, (int[] Indices, float[] Values)[] rows, string[]? slotNames = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        for (int r = 0; r < rows.Length; r++)
        {
            var (indices, values) = rows[r];
            if (indices.Length != values.Length)
                throw new ArgumentException($"Column '{name}' row {r}: {indices.Length} indices but {values.Length} values.", nameof(rows));
            for (int k = 0; k < indices.Length; k++)
            {
                if (indices[k] < 0 || indices[k] >= size || (k > 0 && indices[k] <= indices[k - 1]))
                    throw new ArgumentException($"Column '{name}' row {r}: indices must be strictly increasing in [0, {size}).", nameof(rows));
            }
        }
        var copies = rows.Select(r => ((int[])r.Indices.Clone(), (float[])r.Values.Clone())).ToArray();
        var type = new VectorDataViewType(NumberDataViewType.Single, size);
        return Add(name, type, rows.Length, SlotNames(name, size, slotNames), (int row, ref VBuffer<float> value) =>
        {
            var (indices, values) = copies[row];
            // A fresh buffer per call: the view never lets a consumer's edits reach its stored rows.
            value = new VBuffer<float>(size, indices.Length, (float[])values.Clone(), (int[])indices.Clone());
        });
    }

    /// <summary>The sparse form of dense rows: the non-zero slots of each row.</summary>
    public static (int[] Indices, float[] Values)[] ToSparse(float[][] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return rows.Select(row =>
        {
            var indices = Enumerable.Range(0, row.Length).Where(i => row[i] != 0).ToArray();
            return (indices, indices.Select(i => row[i]).ToArray());
        }).ToArray();
    }

    /// <summary>The data view.</summary>
    /// <exception cref="InvalidOperationException">No column was added.</exception>
    public InMemoryDataView Build()
    {
        if (_columns.Count == 0)
            throw new InvalidOperationException("Add at least one column.");
        return new InMemoryDataView(_schema.ToSchema(), _columns[0].RowCount, _columns.ToArray());
    }

    private InMemoryDataBuilder AddScalar<T>(string name, DataViewType type, T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var copy = (T[])values.Clone();
        return Add(name, type, copy.Length, null, (int row, ref T value) => value = copy[row]);
    }

    private InMemoryDataBuilder AddVector<T>(string name, PrimitiveDataViewType itemType, T[][] rows, bool variableSize, string[]? slotNames)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int size = 0;
        if (!variableSize)
        {
            if (rows.Length == 0)
                throw new ArgumentException($"Column '{name}': a known-size vector needs at least one row to fix its size.", nameof(rows));
            size = rows[0].Length;
            if (Array.FindIndex(rows, r => r.Length != size) is var bad and >= 0)
                throw new ArgumentException($"Column '{name}' row {bad} has {rows[bad].Length} slots; row 0 has {size}.", nameof(rows));
        }
        else if (slotNames is not null)
        {
            throw new ArgumentException($"Column '{name}': a variable-length vector cannot have slot names.", nameof(slotNames));
        }
        var copies = rows.Select(r => (T[])r.Clone()).ToArray();
        var type = new VectorDataViewType(itemType, size);
        return Add(name, type, rows.Length, variableSize ? null : SlotNames(name, size, slotNames), (int row, ref VBuffer<T> value) =>
            value = new VBuffer<T>(copies[row].Length, (T[])copies[row].Clone()));
    }

    private static DataViewSchema.Annotations? SlotNames(string name, int size, string[]? slotNames)
    {
        if (slotNames is null)
            return null;
        if (slotNames.Length != size)
            throw new ArgumentException($"Column '{name}': {slotNames.Length} slot names for {size} slots.", nameof(slotNames));
        var names = slotNames.Select(s => s.AsMemory()).ToArray();
        var annotations = new DataViewSchema.Annotations.Builder();
        annotations.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, size),
            (ref VBuffer<ReadOnlyMemory<char>> value) => value = new VBuffer<ReadOnlyMemory<char>>(size, (ReadOnlyMemory<char>[])names.Clone()));
        return annotations.ToAnnotations();
    }

    private InMemoryDataBuilder Add<T>(string name, DataViewType type, int rowCount, DataViewSchema.Annotations? annotations, RowValueWriter<T> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_columns.Count > 0 && _columns[0].RowCount != rowCount)
            throw new ArgumentException($"Column '{name}' has {rowCount} rows; the columns before it have {_columns[0].RowCount}.", nameof(name));
        _schema.AddColumn(name, type, annotations);
        _columns.Add(new InMemoryColumn<T>(type, rowCount, write));
        return this;
    }
}
