using Microsoft.ML.Internal;

namespace Microsoft.ML.Data;

/// <summary>
/// Concatenates scalar and vector columns of one item type into a vector column (dense output; sparse inputs are
/// expanded).
/// </summary>
public sealed class ColumnConcatenatingTransformer : ITransformer
{
    internal const string LoaderSignature = "ConcatTransform";
    private readonly string _output;
    private readonly string[] _inputs;

    internal ColumnConcatenatingTransformer(string output, string[] inputs)
    {
        _output = output;
        _inputs = inputs;
    }

    private ColumnMapping Bind(DataViewSchema schema)
    {
        var sources = _inputs.Select(name => SchemaErrors.Find(schema, name, "inputSchema")).ToArray();
        PrimitiveDataViewType? itemType = null;
        int size = 0;
        bool known = true, slotNames = false;
        foreach (var source in sources)
        {
            var type = source.Type;
            var item = type is VectorDataViewType v ? v.ItemType : type as PrimitiveDataViewType;
            if (item == null || item is KeyDataViewType)
                throw SchemaErrors.Mismatch("inputSchema", source.Name, "a primitive or vector of primitives (not a key)", type.ToString());
            if (itemType == null)
                itemType = item;
            else if (!itemType.Equals(item))
                throw SchemaErrors.Mismatch("inputSchema", source.Name, $"item type {itemType}", type.ToString());
            if (type is VectorDataViewType vector)
            {
                known &= vector.IsKnownSize;
                size += vector.Size;
                slotNames |= source.HasSlotNames();
            }
            else
            {
                size += 1;
                slotNames = true;
            }
        }
        var outputType = new VectorDataViewType(itemType!, known ? size : 0);
        var annotations = DataViewSchema.Annotations.Empty;
        if (known && slotNames)
        {
            var names = SlotNames(sources, size);
            var builder = new DataViewSchema.Annotations.Builder();
            builder.AddSlotNames(size, (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref dst));
            annotations = builder.ToAnnotations();
        }
        var added = new[] { new DataViewSchema.DetachedColumn(_output, outputType, annotations) };
        return new DelegateColumnMapping(schema, added,
            (row, _) => (Delegate)Generic.Invoke(typeof(ColumnConcatenatingTransformer), null, nameof(MakeGetter),
                new[] { itemType!.RawType }, row, sources.Select(s => s.Index).ToArray(), known ? size : 0)!,
            _ => sources.Select(s => s.Index));
    }

    private static ReadOnlyMemory<char>[] SlotNames(DataViewSchema.Column[] sources, int size)
    {
        var names = new ReadOnlyMemory<char>[size];
        int offset = 0;
        foreach (var source in sources)
        {
            if (source.Type is VectorDataViewType vector)
            {
                if (source.HasSlotNames())
                {
                    VBuffer<ReadOnlyMemory<char>> slots = default;
                    source.GetSlotNames(ref slots);
                    int i = 0;
                    foreach (var name in slots.DenseValues())
                    {
                        names[offset + i] = sources.Length == 1 || name.IsEmpty ? name : $"{source.Name}.{name}".AsMemory();
                        i++;
                    }
                }
                offset += vector.Size;
            }
            else
                names[offset++] = source.Name.AsMemory();
        }
        return names;
    }

    private static ValueGetter<VBuffer<T>> MakeGetter<T>(DataViewRow row, int[] sourceIndices, int knownSize)
    {
        var getters = new Func<int, T[], int>[sourceIndices.Length];
        for (int s = 0; s < sourceIndices.Length; s++)
        {
            var column = row.Schema[sourceIndices[s]];
            if (column.Type is VectorDataViewType)
            {
                var get = row.GetGetter<VBuffer<T>>(column);
                VBuffer<T> buffer = default;
                // Returns the number of values written at offset (or needed, when the array is too small).
                getters[s] = (offset, target) =>
                {
                    get(ref buffer);
                    if (target.Length >= offset + buffer.Length)
                        buffer.CopyTo(target.AsSpan(), offset);
                    return buffer.Length;
                };
            }
            else
            {
                var get = row.GetGetter<T>(column);
                T value = default!;
                getters[s] = (offset, target) =>
                {
                    get(ref value);
                    if (target.Length > offset)
                        target[offset] = value;
                    return 1;
                };
            }
        }
        T[] scratch = new T[Math.Max(knownSize, 16)];
        return (ref VBuffer<T> dst) =>
        {
            while (true)
            {
                int total = 0;
                foreach (var g in getters)
                    total += g(total, scratch);
                if (total <= scratch.Length)
                {
                    if (knownSize > 0 && total != knownSize)
                        throw new InvalidOperationException($"Concatenated vector has {total} values; the column type says {knownSize}.");
                    var editor = VBufferEditor.Create(ref dst, total);
                    scratch.AsSpan(0, total).CopyTo(editor.Values);
                    dst = editor.Commit();
                    return;
                }
                // Variable-size inputs grew: enlarge and read again (the getters are idempotent for a row).
                scratch = new T[total];
            }
        };
    }

    /// <summary>The input schema plus the concatenated column.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing, a key, or of another item type.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema ?? throw new ArgumentNullException(nameof(inputSchema))).OutputSchema;

    /// <summary>The data plus the concatenated column (lazy).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing, a key, or of another item type.</exception>
    public IDataView Transform(IDataView input) => new MappedDataView(input, Bind((input ?? throw new ArgumentNullException(nameof(input))).Schema));

    bool ITransformer.IsRowToRowMapper => true;

    IRowToRowMapper ITransformer.GetRowToRowMapper(DataViewSchema inputSchema) => new MappingRowToRowMapper(Bind(inputSchema));

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.SaveModelEntry(LoaderSignature, writer =>
        {
            writer.Write(_output);
            writer.Write(_inputs.Length);
            foreach (var input in _inputs)
                writer.Write(input);
        });
    }

    internal static ITransformer Load(ModelLoadContext ctx, BinaryReader reader)
    {
        string output = reader.ReadString();
        int n = reader.ReadInt32();
        if (n <= 0)
            throw new InvalidDataException("Invalid input column count.");
        var inputs = new string[n];
        for (int i = 0; i < n; i++)
            inputs[i] = reader.ReadString();
        return new ColumnConcatenatingTransformer(output, inputs);
    }
}
