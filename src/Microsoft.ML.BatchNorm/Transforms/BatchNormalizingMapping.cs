using System.Runtime.InteropServices;
using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>The per-row work of <see cref="BatchNormalizingTransformer"/>, bound to one input schema.</summary>
internal sealed class BatchNormalizingMapping : AppendedColumnsMapping
{
    private readonly IReadOnlyList<BatchNormalizingTransformer.ColumnParameters> _columns;
    // Per column: the float parameters of y = scale * (x - meanHigh) + shift (see ColumnParameters).
    private readonly float[][] _mean, _scale, _beta;

    public BatchNormalizingMapping(DataViewSchema inputSchema, IReadOnlyList<BatchNormalizingTransformer.ColumnParameters> columns)
        : base(inputSchema, columns.Select(c => OutputColumn(inputSchema, c)).ToArray())
    {
        _columns = columns;
        _mean = columns.Select(c => c.MeanHigh.ToArray()).ToArray();
        _scale = columns.Select(c => c.Scale.ToArray()).ToArray();
        _beta = columns.Select(c => c.Shift.ToArray()).ToArray();
    }

    private static DataViewSchema.DetachedColumn OutputColumn(DataViewSchema inputSchema, BatchNormalizingTransformer.ColumnParameters column)
    {
        // As ML.NET's normalizers: keep the slot names, mark the column normalized.
        var annotations = new DataViewSchema.Annotations.Builder();
        annotations.Add(inputSchema[column.InputColumnName].Annotations, kind => kind == "SlotNames");
        annotations.Add("IsNormalized", BooleanDataViewType.Instance, (ref bool value) => value = true);
        return new DataViewSchema.DetachedColumn(column.OutputColumnName, column.Type, annotations.ToAnnotations());
    }

    public override IEnumerable<int> GetInputDependencies(int added) => [InputSchema[_columns[added].InputColumnName].Index];

    public override Delegate?[] CreateGetters(DataViewRow input, bool[] active)
    {
        var getters = new Delegate?[_columns.Count];
        for (int i = 0; i < getters.Length; i++)
        {
            if (active[i])
                getters[i] = _columns[i].IsVector ? VectorGetter(input, i) : ScalarGetter(input, i);
        }
        return getters;
    }

    private ValueGetter<float> ScalarGetter(DataViewRow input, int i)
    {
        var source = input.GetGetter<float>(InputSchema[_columns[i].InputColumnName]);
        float[] mean = _mean[i], scale = _scale[i], beta = _beta[i];
        return (ref float value) =>
        {
            float x = 0;
            source(ref x);
            BatchNormKernels.Normalize(MemoryMarshal.CreateReadOnlySpan(ref x, 1), 1, 1, mean, scale, beta, false,
                MemoryMarshal.CreateSpan(ref value, 1));
        };
    }

    private ValueGetter<VBuffer<float>> VectorGetter(DataViewRow input, int i)
    {
        var column = _columns[i];
        var source = input.GetGetter<VBuffer<float>>(InputSchema[column.InputColumnName]);
        float[] mean = _mean[i], scale = _scale[i], beta = _beta[i];
        int size = column.SlotCount;
        var dense = new float[size];
        var buffer = default(VBuffer<float>);
        string name = column.InputColumnName;
        return (ref VBuffer<float> value) =>
        {
            source(ref buffer);
            if (buffer.Length != size)
                throw new InvalidOperationException($"Column '{name}' row {input.Position} has {buffer.Length} slots; expected {size}.");
            ReadOnlySpan<float> x = DenseValues.Of(buffer, dense);
            var editor = VBufferEditor.Create(ref value, size);
            BatchNormKernels.Normalize(x, 1, size, mean, scale, beta, false, editor.Values);
            value = editor.Commit();
        };
    }
}
