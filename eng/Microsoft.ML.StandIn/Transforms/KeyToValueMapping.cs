using Microsoft.ML.Data;
using Microsoft.ML.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>Estimator of <see cref="KeyToValueMappingTransformer"/> (trivial: nothing to learn).</summary>
public sealed class KeyToValueMappingEstimator : IEstimator<KeyToValueMappingTransformer>
{
    private readonly (string Output, string Input)[] _columns;

    internal KeyToValueMappingEstimator(params (string Output, string Input)[] columns)
    {
        foreach (var (output, input) in columns)
        {
            SchemaErrors.CheckName(output, "outputColumnName");
            SchemaErrors.CheckName(input, "inputColumnName");
        }
        _columns = columns;
    }

    /// <summary>Returns the transformer after checking the input schema.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing, not a key, or has no key values.</exception>
    public KeyToValueMappingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new KeyToValueMappingTransformer(_columns);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <summary>Each output has the input's vector kind and the item type of its <c>KeyValues</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing, not a key, or has no key values.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var (output, input) in _columns)
        {
            var source = SchemaErrors.Find(inputSchema, input, nameof(inputSchema));
            if (!source.IsKey)
                throw SchemaErrors.Mismatch(nameof(inputSchema), input, "key type", source.GetTypeString());
            if (!source.Annotations.TryFindColumn(AnnotationUtils.Kinds.KeyValues, out var keyValues)
                || keyValues.Kind != SchemaShape.Column.VectorKind.Vector)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Input column '{input}' doesn't contain key values metadata");
            var annotations = new List<SchemaShape.Column>();
            if (source.Annotations.TryFindColumn(AnnotationUtils.Kinds.SlotNames, out var slotNames))
                annotations.Add(slotNames);
            result[output] = new SchemaShape.Column(output, source.Kind, keyValues.ItemType, keyValues.IsKey, new SchemaShape(annotations));
        }
        return new SchemaShape(result.Values);
    }
}

/// <summary>
/// Maps keys back to their values through the input column's <c>KeyValues</c> annotation: key k (1..K) becomes
/// value k-1; key 0 (missing) and keys above K become NaN for floating-point values and the default otherwise.
/// </summary>
public sealed class KeyToValueMappingTransformer : ITransformer
{
    internal const string LoaderSignature = "KeyToValueTransform";
    private readonly (string Output, string Input)[] _columns;

    internal KeyToValueMappingTransformer((string Output, string Input)[] columns)
    {
        _columns = columns;
    }

    private ColumnMapping Bind(DataViewSchema schema)
    {
        var sources = new DataViewSchema.Column[_columns.Length];
        var valueTypes = new PrimitiveDataViewType[_columns.Length];
        var added = new DataViewSchema.DetachedColumn[_columns.Length];
        for (int i = 0; i < _columns.Length; i++)
        {
            var source = sources[i] = SchemaErrors.Find(schema, _columns[i].Input, "inputSchema");
            var item = source.Type is VectorDataViewType v ? v.ItemType : source.Type;
            if (item is not KeyDataViewType key)
                throw SchemaErrors.Mismatch("inputSchema", source.Name, "key type", source.Type.ToString());
            var annotation = source.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues);
            if (annotation is not { Type: VectorDataViewType values } || (ulong)values.Size != key.Count)
                throw new ArgumentOutOfRangeException("inputSchema", $"Input column '{source.Name}' doesn't contain key values metadata");
            valueTypes[i] = values.ItemType;
            var type = source.Type is VectorDataViewType sv ? new VectorDataViewType(values.ItemType, sv.Dimensions) : (DataViewType)values.ItemType;
            var builder = new DataViewSchema.Annotations.Builder();
            builder.Add(source.Annotations, name => name == AnnotationUtils.Kinds.SlotNames);
            added[i] = new DataViewSchema.DetachedColumn(_columns[i].Output, type, builder.ToAnnotations());
        }
        return new DelegateColumnMapping(schema, added,
            (row, i) => (Delegate)Generic.Invoke(typeof(KeyToValueMappingTransformer), null, nameof(MakeGetter),
                new[] { sources[i].Type is VectorDataViewType kv ? kv.ItemType.RawType : sources[i].Type.RawType, valueTypes[i].RawType },
                row, row.Schema[sources[i].Index], sources[i])!,
            i => new[] { sources[i].Index });
    }

    private static Delegate MakeGetter<TKey, TValue>(DataViewRow row, DataViewSchema.Column source, DataViewSchema.Column bound)
    {
        VBuffer<TValue> values = default;
        bound.GetKeyValues(ref values);
        var table = values.DenseValues().ToArray();
        TValue missing = typeof(TValue) == typeof(float) ? (TValue)(object)float.NaN
            : typeof(TValue) == typeof(double) ? (TValue)(object)double.NaN : default!;
        TValue Map(TKey key)
        {
            ulong k = Convert.ToUInt64(key);
            return k >= 1 && k <= (ulong)table.Length ? table[k - 1] : missing;
        }
        return ElementwiseGetter.Create<TKey, TValue>(row, source, Map);
    }

    /// <summary>The input schema plus the value columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing, not a key, or has no key values.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema ?? throw new ArgumentNullException(nameof(inputSchema))).OutputSchema;

    /// <summary>The data plus the value columns (lazy).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing, not a key, or has no key values.</exception>
    public IDataView Transform(IDataView input) => new MappedDataView(input, Bind((input ?? throw new ArgumentNullException(nameof(input))).Schema));

    bool ITransformer.IsRowToRowMapper => true;

    IRowToRowMapper ITransformer.GetRowToRowMapper(DataViewSchema inputSchema) => new MappingRowToRowMapper(Bind(inputSchema));

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.SaveModelEntry(LoaderSignature, writer =>
        {
            writer.Write(_columns.Length);
            foreach (var (output, input) in _columns)
            {
                writer.Write(output);
                writer.Write(input);
            }
        });
    }

    internal static ITransformer Load(ModelLoadContext ctx, BinaryReader reader)
    {
        int n = reader.ReadInt32();
        if (n <= 0)
            throw new InvalidDataException("Invalid column count.");
        var columns = new (string, string)[n];
        for (int i = 0; i < n; i++)
            columns[i] = (reader.ReadString(), reader.ReadString());
        return new KeyToValueMappingTransformer(columns);
    }
}
