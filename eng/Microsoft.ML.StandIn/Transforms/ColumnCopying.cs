using Microsoft.ML.Data;
using Microsoft.ML.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>Estimator of <see cref="ColumnCopyingTransformer"/> (trivial: nothing to learn).</summary>
public sealed class ColumnCopyingEstimator : IEstimator<ColumnCopyingTransformer>
{
    private readonly (string Output, string Input)[] _columns;

    internal ColumnCopyingEstimator(params (string Output, string Input)[] columns)
    {
        foreach (var (output, input) in columns)
        {
            SchemaErrors.CheckName(output, "outputColumnName");
            SchemaErrors.CheckName(input, "inputColumnName");
        }
        _columns = columns;
    }

    /// <summary>Returns the copying transformer after checking the input schema.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing.</exception>
    public ColumnCopyingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new ColumnCopyingTransformer(_columns);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <summary>Adds each output column with the shape of its input column.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var (output, input) in _columns)
        {
            var source = SchemaErrors.Find(inputSchema, input, nameof(inputSchema));
            result[output] = new SchemaShape.Column(output, source.Kind, source.ItemType, source.IsKey, source.Annotations);
        }
        return new SchemaShape(result.Values);
    }
}

/// <summary>Copies columns under new names (type and annotations kept).</summary>
public sealed class ColumnCopyingTransformer : ITransformer
{
    internal const string LoaderSignature = "CopyTransform";
    private readonly (string Output, string Input)[] _columns;

    internal ColumnCopyingTransformer((string Output, string Input)[] columns)
    {
        _columns = columns;
    }

    private ColumnMapping Bind(DataViewSchema schema)
    {
        var sources = _columns.Select(c => SchemaErrors.Find(schema, c.Input, "inputSchema")).ToArray();
        var added = _columns.Select((c, i) => new DataViewSchema.DetachedColumn(c.Output, sources[i].Type, sources[i].Annotations)).ToArray();
        return new DelegateColumnMapping(schema, added,
            (row, i) => (Delegate)Generic.Invoke(typeof(ColumnCopyingTransformer), null, nameof(Getter),
                new[] { sources[i].Type.RawType }, row, row.Schema[sources[i].Index])!,
            i => new[] { sources[i].Index });
    }

    private static ValueGetter<T> Getter<T>(DataViewRow row, DataViewSchema.Column column) => row.GetGetter<T>(column);

    /// <summary>The input schema plus the copies.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema ?? throw new ArgumentNullException(nameof(inputSchema))).OutputSchema;

    /// <summary>The data plus the copies (lazy).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing.</exception>
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
        if (n < 0)
            throw new InvalidDataException("Invalid column count.");
        var columns = new (string, string)[n];
        for (int i = 0; i < n; i++)
            columns[i] = (reader.ReadString(), reader.ReadString());
        return new ColumnCopyingTransformer(columns);
    }
}
