using Microsoft.ML.Data;
using Microsoft.ML.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Learns a per-slot affine normalization <c>y = (x - offset) * scale</c> of <see cref="float"/> or <see cref="double"/>
/// scalar or known-size vector columns. The mean-variance mode makes one streaming pass (Welford's update in double
/// per slot, Welford 1962; zeros and non-finite values are skipped while accumulating and the zeros merged back at the
/// end, Chan, Golub and LeVeque 1979), uses the population variance, and sets, per slot, with fixZero
/// <c>scale = 1/sqrt(var + mean^2)</c>, <c>offset = 0</c>, otherwise <c>scale = 1/sqrt(var)</c>, <c>offset = mean</c>;
/// a slot of zero variance gets scale 0 (its output is 0).
/// </summary>
public sealed class NormalizingEstimator : IEstimator<NormalizingTransformer>
{
    internal static class Defaults
    {
        public const long MaximumExampleCount = 1000000000;
        public const bool EnsureZeroUntouched = true;
        public const bool MeanVarCdf = false;
    }

    internal sealed record MeanVarianceColumn(string Output, string Input, long MaximumExampleCount, bool FixZero);

    private readonly MeanVarianceColumn[] _columns;

    internal NormalizingEstimator(MeanVarianceColumn[] columns, bool useCdf)
    {
        if (useCdf)
            throw new ArgumentException("useCdf = true (CDF normalization) is not provided by the ML.NET stand-in.", nameof(useCdf));
        foreach (var column in columns)
        {
            SchemaErrors.CheckName(column.Output, "outputColumnName");
            SchemaErrors.CheckName(column.Input, "inputColumnName");
            if (column.MaximumExampleCount <= 1)
                throw new ArgumentOutOfRangeException("maximumExampleCount", "Must be greater than 1.");
        }
        _columns = columns;
    }

    /// <summary>Computes every column's scale and offset in one pass over <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or is not a float/double scalar or
    /// known-size vector.</exception>
    public NormalizingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var sources = _columns.Select(c => NormalizingTransformer.CheckInput(input.Schema, c.Input)).ToArray();
        var accumulators = sources.Select(s => new MeanVarianceAccumulator(NormalizingTransformer.SizeOf(s.Type))).ToArray();
        using (var cursor = input.GetRowCursor(sources.Distinct()))
        {
            var readers = sources.Select((s, i) => MakeReader(cursor, s, accumulators[i], _columns[i].MaximumExampleCount)).ToArray();
            while (cursor.MoveNext())
            {
                bool any = false;
                foreach (var read in readers)
                    any |= read();
                if (!any)
                    break;
            }
        }
        var parameters = new NormalizingTransformer.AffineColumn[_columns.Length];
        for (int i = 0; i < _columns.Length; i++)
        {
            accumulators[i].Finish(_columns[i].FixZero, out var scale, out var offset);
            parameters[i] = new NormalizingTransformer.AffineColumn(_columns[i].Output, _columns[i].Input, sources[i].Type, scale, offset);
        }
        return new NormalizingTransformer(parameters);
    }

    // Returns a reader that adds the current row (while under the example limit) and tells whether it did.
    private static Func<bool> MakeReader(DataViewRowCursor cursor, DataViewSchema.Column source, MeanVarianceAccumulator acc, long max)
    {
        bool isDouble = (source.Type is VectorDataViewType v ? v.ItemType : source.Type).RawType == typeof(double);
        if (source.Type is VectorDataViewType)
        {
            if (isDouble)
            {
                var get = cursor.GetGetter<VBuffer<double>>(source);
                VBuffer<double> buffer = default;
                return () =>
                {
                    if (acc.RowCount >= max)
                        return false;
                    get(ref buffer);
                    acc.AddRow(buffer.GetValues(), buffer.IsDense ? default : buffer.GetIndices(), buffer.Length, source.Name);
                    return true;
                };
            }
            var getFloat = cursor.GetGetter<VBuffer<float>>(source);
            VBuffer<float> floats = default;
            double[] scratch = Array.Empty<double>();
            return () =>
            {
                if (acc.RowCount >= max)
                    return false;
                getFloat(ref floats);
                var values = floats.GetValues();
                if (scratch.Length < values.Length)
                    scratch = new double[values.Length];
                for (int j = 0; j < values.Length; j++)
                    scratch[j] = values[j];
                acc.AddRow(scratch.AsSpan(0, values.Length), floats.IsDense ? default : floats.GetIndices(), floats.Length, source.Name);
                return true;
            };
        }
        if (isDouble)
        {
            var get = cursor.GetGetter<double>(source);
            double value = 0;
            return () =>
            {
                if (acc.RowCount >= max)
                    return false;
                get(ref value);
                acc.AddRow(new ReadOnlySpan<double>(in value), default, 1, source.Name);
                return true;
            };
        }
        var getSingle = cursor.GetGetter<float>(source);
        float single = 0;
        return () =>
        {
            if (acc.RowCount >= max)
                return false;
            getSingle(ref single);
            double d = single;
            acc.AddRow(new ReadOnlySpan<double>(in d), default, 1, source.Name);
            return true;
        };
    }

    /// <summary>Each output has the input's shape plus <c>IsNormalized</c> (and the input's <c>SlotNames</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or is not a float/double scalar or
    /// known-size vector.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var column in _columns)
        {
            var source = SchemaErrors.Find(inputSchema, column.Input, nameof(inputSchema));
            if (source.IsKey || source.Kind == SchemaShape.Column.VectorKind.VariableVector
                || !(source.ItemType.Equals(NumberDataViewType.Single) || source.ItemType.Equals(NumberDataViewType.Double)))
                throw SchemaErrors.Mismatch(nameof(inputSchema), column.Input, "known-size vector or scalar of Single or Double", source.GetTypeString());
            var annotations = new List<SchemaShape.Column>();
            if (source.Annotations.TryFindColumn(AnnotationUtils.Kinds.SlotNames, out var slotNames))
                annotations.Add(slotNames);
            annotations.Add(new SchemaShape.Column(AnnotationUtils.Kinds.IsNormalized, SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, false));
            result[column.Output] = new SchemaShape.Column(column.Output, source.Kind, source.ItemType, false, new SchemaShape(annotations));
        }
        return new SchemaShape(result.Values);
    }
}

/// <summary>Per-slot streaming mean and population variance in double (see <see cref="NormalizingEstimator"/>).</summary>
internal sealed class MeanVarianceAccumulator
{
    private readonly double[] _mean;
    private readonly double[] _m2;
    private readonly long[] _nonZero;
    private readonly long[] _nonFinite;

    public MeanVarianceAccumulator(int size)
    {
        _mean = new double[size];
        _m2 = new double[size];
        _nonZero = new long[size];
        _nonFinite = new long[size];
    }

    public long RowCount { get; private set; }

    /// <summary>Adds one row: dense when <paramref name="indices"/> is empty and the values cover every slot.</summary>
    /// <exception cref="InvalidOperationException">The row's length differs from the column size.</exception>
    public void AddRow(ReadOnlySpan<double> values, ReadOnlySpan<int> indices, int length, string column)
    {
        if (length != _mean.Length)
            throw new InvalidOperationException($"Column '{column}' has a row of {length} values; {_mean.Length} expected.");
        RowCount++;
        for (int k = 0; k < values.Length; k++)
            Update(indices.IsEmpty ? k : indices[k], values[k]);
    }

    private void Update(int j, double value)
    {
        if (value == 0)
            return;
        if (!double.IsFinite(value))
        {
            _nonFinite[j]++;
            return;
        }
        long n = ++_nonZero[j];
        double delta = value - _mean[j];
        _mean[j] += delta / n;
        _m2[j] += delta * (value - _mean[j]);
    }

    /// <summary>The affine parameters per slot (scale 0 for a slot of zero variance or with no finite value).</summary>
    public void Finish(bool fixZero, out double[] scale, out double[] offset)
    {
        int d = _mean.Length;
        scale = new double[d];
        offset = new double[d];
        for (int j = 0; j < d; j++)
        {
            long n = RowCount - _nonFinite[j];
            if (n <= 0)
                continue;
            // Merge the skipped zeros back: a block of (n - nonZero) values of mean 0 and spread 0 (Chan et al.).
            long zeros = n - _nonZero[j];
            double mean = _mean[j] * _nonZero[j] / n;
            double m2 = _m2[j] + _mean[j] * _mean[j] * ((double)_nonZero[j] * zeros / n);
            double variance = m2 / n;
            if (!(variance > 0))
                continue;
            if (fixZero)
                scale[j] = 1 / Math.Sqrt(variance + mean * mean);
            else
            {
                scale[j] = 1 / Math.Sqrt(variance);
                offset[j] = mean;
            }
        }
    }
}
