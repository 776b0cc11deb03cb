using Microsoft.ML.Data;
using Microsoft.ML.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>Maps values to keys with the terms learned by <see cref="ValueToKeyMappingEstimator"/>.</summary>
public sealed class ValueToKeyMappingTransformer : ITransformer
{
    internal const string LoaderSignature = "TermTransform";
    private readonly (string Output, string Input)[] _columns;
    private readonly Array[] _terms;
    private readonly bool _asText;

    internal ValueToKeyMappingTransformer((string Output, string Input)[] columns, Array[] terms, bool asText)
    {
        _columns = columns;
        _terms = terms;
        _asText = asText;
    }

    internal static PrimitiveDataViewType CheckInput(DataViewSchema.Column source)
    {
        var item = source.Type is VectorDataViewType v ? v.ItemType : source.Type;
        if (item is not PrimitiveDataViewType primitive || !KeyTerms.IsSupportedValueType(primitive))
            throw SchemaErrors.Mismatch("inputSchema", source.Name, "a numeric, boolean or text scalar or vector", source.Type.ToString());
        return primitive;
    }

    private ColumnMapping Bind(DataViewSchema schema)
    {
        var sources = new DataViewSchema.Column[_columns.Length];
        var added = new DataViewSchema.DetachedColumn[_columns.Length];
        for (int i = 0; i < _columns.Length; i++)
        {
            sources[i] = SchemaErrors.Find(schema, _columns[i].Input, "inputSchema");
            var item = CheckInput(sources[i]);
            var termType = _terms[i].GetType().GetElementType()!;
            if (item.RawType != termType)
                throw SchemaErrors.Mismatch("inputSchema", sources[i].Name, $"items of type {termType.Name}", sources[i].Type.ToString());
            var key = new KeyDataViewType(typeof(uint), _terms[i].Length);
            var type = sources[i].Type is VectorDataViewType v ? new VectorDataViewType(key, v.Dimensions) : (DataViewType)key;
            var builder = new DataViewSchema.Annotations.Builder();
            builder.Add(sources[i].Annotations, name => name == AnnotationUtils.Kinds.SlotNames);
            Generic.Invoke(typeof(ValueToKeyMappingTransformer), this, nameof(AddKeyValues), new[] { termType }, builder, i, item);
            added[i] = new DataViewSchema.DetachedColumn(_columns[i].Output, type, builder.ToAnnotations());
        }
        return new DelegateColumnMapping(schema, added,
            (row, i) => (Delegate)Generic.Invoke(typeof(ValueToKeyMappingTransformer), this, nameof(MakeGetter),
                new[] { _terms[i].GetType().GetElementType()! }, row, row.Schema[sources[i].Index], i)!,
            i => new[] { sources[i].Index });
    }

    private void AddKeyValues<T>(DataViewSchema.Annotations.Builder builder, int i, PrimitiveDataViewType itemType)
    {
        var terms = (T[])_terms[i];
        if (_asText)
        {
            var text = terms.Select(KeyTerms.ToText).ToArray();
            builder.AddKeyValues(text.Length, TextDataViewType.Instance,
                (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(text.Length, text).CopyTo(ref dst));
        }
        else
        {
            builder.AddKeyValues(terms.Length, itemType, (ref VBuffer<T> dst) => new VBuffer<T>(terms.Length, terms).CopyTo(ref dst));
        }
    }

    private Delegate MakeGetter<T>(DataViewRow row, DataViewSchema.Column source, int i)
        where T : notnull
    {
        var terms = (T[])_terms[i];
        var map = new Dictionary<T, uint>(KeyTerms.Comparer<T>());
        for (int k = 0; k < terms.Length; k++)
            map[terms[k]] = (uint)(k + 1);
        uint Lookup(T value) => !KeyTerms.IsMissing(value) && map.TryGetValue(value, out uint key) ? key : 0;
        return ElementwiseGetter.Create<T, uint>(row, source, Lookup);
    }

    /// <summary>The input schema plus the key columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of another type than at fit.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema ?? throw new ArgumentNullException(nameof(inputSchema))).OutputSchema;

    /// <summary>The data plus the key columns (lazy).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of another type than at fit.</exception>
    public IDataView Transform(IDataView input) => new MappedDataView(input, Bind((input ?? throw new ArgumentNullException(nameof(input))).Schema));

    bool ITransformer.IsRowToRowMapper => true;

    IRowToRowMapper ITransformer.GetRowToRowMapper(DataViewSchema inputSchema) => new MappingRowToRowMapper(Bind(inputSchema));

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.SaveModelEntry(LoaderSignature, writer =>
        {
            writer.Write(_asText);
            writer.Write(_columns.Length);
            for (int i = 0; i < _columns.Length; i++)
            {
                writer.Write(_columns[i].Output);
                writer.Write(_columns[i].Input);
                var termType = _terms[i].GetType().GetElementType()!;
                BinaryFormat.WriteType(writer, new VectorDataViewType(
                    (PrimitiveDataViewType)TypeOfRaw(termType), _terms[i].Length));
                Generic.Invoke(typeof(ValueToKeyMappingTransformer), null, nameof(WriteTerms), new[] { termType }, writer, _terms[i]);
            }
        });
    }

    private static DataViewType TypeOfRaw(Type raw)
        => raw == typeof(ReadOnlyMemory<char>) ? TextDataViewType.Instance
            : raw == typeof(bool) ? BooleanDataViewType.Instance
            : new[] { NumberDataViewType.Single, NumberDataViewType.Double, NumberDataViewType.Int32, NumberDataViewType.UInt32,
                NumberDataViewType.Int64, NumberDataViewType.UInt64, NumberDataViewType.Int16, NumberDataViewType.UInt16,
                NumberDataViewType.Byte, NumberDataViewType.SByte }.First(t => t.RawType == raw);

    private static void WriteTerms<T>(BinaryWriter writer, T[] terms)
        => BinaryFormat.WriteValue(writer, new VBuffer<T>(terms.Length, terms));

    private static Array ReadTerms<T>(BinaryReader reader)
    {
        var buffer = BinaryFormat.ReadValue<VBuffer<T>>(reader);
        return buffer.DenseValues().ToArray();
    }

    internal static ITransformer Load(ModelLoadContext ctx, BinaryReader reader)
    {
        bool asText = reader.ReadBoolean();
        int n = reader.ReadInt32();
        if (n <= 0)
            throw new InvalidDataException("Invalid column count.");
        var columns = new (string, string)[n];
        var terms = new Array[n];
        for (int i = 0; i < n; i++)
        {
            columns[i] = (reader.ReadString(), reader.ReadString());
            var type = BinaryFormat.ReadType(reader) as VectorDataViewType ?? throw new InvalidDataException("Invalid terms type.");
            terms[i] = (Array)Generic.Invoke(typeof(ValueToKeyMappingTransformer), null, nameof(ReadTerms), new[] { type.ItemType.RawType }, reader)!;
            if (terms[i].Length == 0)
                throw new InvalidDataException("Empty terms.");
        }
        return new ValueToKeyMappingTransformer(columns, terms, asText);
    }
}
