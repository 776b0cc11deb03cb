using System.Collections.Immutable;
using Microsoft.ML.Data;
using Microsoft.ML.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>Applies the per-slot affine maps <c>y = (x - offset) * scale</c> learned by <see cref="NormalizingEstimator"/>,
/// computed in the column's item type; outputs carry <c>IsNormalized</c> and keep the input's slot names.</summary>
public sealed class NormalizingTransformer : ITransformer
{
    internal const string LoaderSignature = "Normalizer";

    internal sealed record AffineColumn(string Output, string Input, DataViewType Type, double[] Scale, double[] Offset);

    private readonly AffineColumn[] _columns;

    internal NormalizingTransformer(AffineColumn[] columns)
    {
        _columns = columns;
    }

    /// <summary>Base of the normalizer parameter types.</summary>
    public abstract class NormalizerModelParametersBase
    {
        private protected NormalizerModelParametersBase()
        {
        }
    }

    /// <summary>Affine parameters: the map is <c>(input - offset) * scale</c>. <typeparamref name="TData"/> is
    /// <see cref="float"/>/<see cref="double"/> for scalars and <see cref="ImmutableArray{T}"/> of those for vectors,
    /// where <see cref="Offset"/> is empty when every offset is zero.</summary>
    public sealed class AffineNormalizerModelParameters<TData> : NormalizerModelParametersBase
    {
        internal AffineNormalizerModelParameters(TData scale, TData offset)
        {
            Scale = scale;
            Offset = offset;
        }

        /// <summary>The scales.</summary>
        public TData Scale { get; }

        /// <summary>The offsets.</summary>
        public TData Offset { get; }
    }

    /// <summary>The parameters of column <paramref name="index"/> (in the order the columns were given).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public NormalizerModelParametersBase GetNormalizerModelParameters(int index)
    {
        if (index < 0 || index >= _columns.Length)
            throw new ArgumentOutOfRangeException(nameof(index), $"Index must be between 0 and {_columns.Length - 1}.");
        var column = _columns[index];
        bool isDouble = ItemType(column.Type).RawType == typeof(double);
        bool allZero = column.Offset.All(o => o == 0);
        if (column.Type is VectorDataViewType)
        {
            if (isDouble)
                return new AffineNormalizerModelParameters<ImmutableArray<double>>(column.Scale.ToImmutableArray(),
                    allZero ? ImmutableArray<double>.Empty : column.Offset.ToImmutableArray());
            return new AffineNormalizerModelParameters<ImmutableArray<float>>(column.Scale.Select(s => (float)s).ToImmutableArray(),
                allZero ? ImmutableArray<float>.Empty : column.Offset.Select(o => (float)o).ToImmutableArray());
        }
        if (isDouble)
            return new AffineNormalizerModelParameters<double>(column.Scale[0], column.Offset[0]);
        return new AffineNormalizerModelParameters<float>((float)column.Scale[0], (float)column.Offset[0]);
    }

    private static DataViewType ItemType(DataViewType type) => type is VectorDataViewType v ? v.ItemType : type;

    internal static int SizeOf(DataViewType type) => type is VectorDataViewType v ? v.Size : 1;

    internal static DataViewSchema.Column CheckInput(DataViewSchema schema, string name)
    {
        var column = SchemaErrors.Find(schema, name, "inputSchema");
        var item = ItemType(column.Type);
        bool ok = (item == NumberDataViewType.Single || item == NumberDataViewType.Double)
            && (column.Type is not VectorDataViewType v || v.IsKnownSize);
        if (!ok)
            throw SchemaErrors.Mismatch("inputSchema", name, "known-size vector or scalar of Single or Double", column.Type.ToString());
        return column;
    }

    private ColumnMapping Bind(DataViewSchema schema)
    {
        var sources = new DataViewSchema.Column[_columns.Length];
        var added = new DataViewSchema.DetachedColumn[_columns.Length];
        for (int i = 0; i < _columns.Length; i++)
        {
            var source = sources[i] = CheckInput(schema, _columns[i].Input);
            if (!source.Type.Equals(_columns[i].Type))
                throw SchemaErrors.Mismatch("inputSchema", source.Name, _columns[i].Type.ToString(), source.Type.ToString());
            added[i] = new DataViewSchema.DetachedColumn(_columns[i].Output, source.Type, AnnotationUtils.NormalizedWithSlotNames(source.Annotations));
        }
        return new DelegateColumnMapping(schema, added, (row, i) => MakeGetter(row, row.Schema[sources[i].Index], _columns[i]),
            i => new[] { sources[i].Index });
    }

    private static Delegate MakeGetter(DataViewRow row, DataViewSchema.Column source, AffineColumn column)
    {
        bool isDouble = ItemType(column.Type).RawType == typeof(double);
        if (column.Type is VectorDataViewType)
        {
            if (isDouble)
            {
                var get = row.GetGetter<VBuffer<double>>(source);
                VBuffer<double> buffer = default;
                return (ValueGetter<VBuffer<double>>)((ref VBuffer<double> dst) =>
                {
                    get(ref buffer);
                    var editor = VBufferEditor.Create(ref dst, buffer.Length);
                    buffer.CopyTo(editor.Values);
                    for (int j = 0; j < editor.Values.Length; j++)
                        editor.Values[j] = (editor.Values[j] - column.Offset[j]) * column.Scale[j];
                    dst = editor.Commit();
                });
            }
            var scale = column.Scale.Select(s => (float)s).ToArray();
            var offset = column.Offset.Select(o => (float)o).ToArray();
            var getFloat = row.GetGetter<VBuffer<float>>(source);
            VBuffer<float> floats = default;
            return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
            {
                getFloat(ref floats);
                var editor = VBufferEditor.Create(ref dst, floats.Length);
                floats.CopyTo(editor.Values);
                for (int j = 0; j < editor.Values.Length; j++)
                    editor.Values[j] = (editor.Values[j] - offset[j]) * scale[j];
                dst = editor.Commit();
            });
        }
        if (isDouble)
        {
            var get = row.GetGetter<double>(source);
            double s = column.Scale[0], o = column.Offset[0];
            return (ValueGetter<double>)((ref double dst) =>
            {
                get(ref dst);
                dst = (dst - o) * s;
            });
        }
        var getSingle = row.GetGetter<float>(source);
        float fs = (float)column.Scale[0], fo = (float)column.Offset[0];
        return (ValueGetter<float>)((ref float dst) =>
        {
            getSingle(ref dst);
            dst = (dst - fo) * fs;
        });
    }

    /// <summary>The input schema plus the normalized columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of another type than at fit.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema ?? throw new ArgumentNullException(nameof(inputSchema))).OutputSchema;

    /// <summary>The data plus the normalized columns (lazy).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of another type than at fit.</exception>
    public IDataView Transform(IDataView input) => new MappedDataView(input, Bind((input ?? throw new ArgumentNullException(nameof(input))).Schema));

    bool ITransformer.IsRowToRowMapper => true;

    IRowToRowMapper ITransformer.GetRowToRowMapper(DataViewSchema inputSchema) => new MappingRowToRowMapper(Bind(inputSchema));

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.SaveModelEntry(LoaderSignature, writer =>
        {
            writer.Write(_columns.Length);
            foreach (var column in _columns)
            {
                writer.Write(column.Output);
                writer.Write(column.Input);
                BinaryFormat.WriteType(writer, column.Type);
                writer.Write(column.Scale.Length);
                foreach (double s in column.Scale)
                    writer.Write(s);
                foreach (double o in column.Offset)
                    writer.Write(o);
            }
        });
    }

    internal static ITransformer Load(ModelLoadContext ctx, BinaryReader reader)
    {
        int n = reader.ReadInt32();
        if (n <= 0)
            throw new InvalidDataException("Invalid column count.");
        var columns = new AffineColumn[n];
        for (int i = 0; i < n; i++)
        {
            string output = reader.ReadString(), input = reader.ReadString();
            var type = BinaryFormat.ReadType(reader);
            int size = reader.ReadInt32();
            if (size != SizeOf(type))
                throw new InvalidDataException("Normalizer parameter count does not match the column type.");
            var scale = new double[size];
            var offset = new double[size];
            for (int j = 0; j < size; j++)
                scale[j] = reader.ReadDouble();
            for (int j = 0; j < size; j++)
                offset[j] = reader.ReadDouble();
            columns[i] = new AffineColumn(output, input, type, scale, offset);
        }
        return new NormalizingTransformer(columns);
    }
}
