using System.Collections.Immutable;
using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// The fitted batch normalization: for each column, per slot,
/// <c>y = gamma * (x - mean) / sqrt(var + epsilon) + beta</c> (Ioffe and Szegedy 2015, Algorithm 2). The mean and
/// variance are kept in double; the output is computed in float as <c>Scale * (x - MeanHigh) + Shift</c>, with
/// <c>MeanHigh = (float)mean</c> and the rest of the mean folded into the shift in double, so a large mean costs no
/// precision. A row-to-row mapper: works in pipelines, with CreateEnumerable and PredictionEngine.
/// </summary>
/// <remarks>
/// <para>Precision: each output value is within <c>8 u (|beta| + |a| |x - mean|)</c> of the value computed in float64
/// from the same statistics, where <c>a = gamma / sqrt(var + epsilon)</c> and <c>u = 2^-24</c> (one float rounding),
/// whatever the mean's size next to the spread: a few float roundings of the terms the output is made of. (At mean 1e4
/// and standard deviation 0.1 that is about 1e-7 of the largest |y|; the tests measure it, see
/// test/Microsoft.ML.BatchNorm.Tests/Transforms/BatchNormalizeExactInferenceTests.cs.)</para>
/// <para>Saving with plain <c>mlContext.Model.Save</c>: ML.NET gives third-party transformers no way to write model
/// entries, so this map is handed to built-in transformers that compute it within the same bound, and plain
/// <c>mlContext.Model.Load</c> reads them back with no registration:</para>
/// <list type="bullet">
/// <item>Every column whose gammas are all &gt;= 0 or all &lt;= 0 (so every scalar column), any spread: three of
/// ML.NET's min-max normalizers per column set (offset the mean's float rounding; then the rest of the shift; then the
/// scale), plus an <c>Expression</c> <c>x =&gt; -x</c> for negative gammas. Core package only.</item>
/// <item>A vector column with gammas of both signs: an ONNX model computing the map in double, run by ML.NET's
/// OnnxTransformer; this needs the companion package BatchNormExtensions.ML.Onnx (it brings ONNX Runtime). Without it,
/// <c>Save</c> throws <see cref="NotSupportedException"/> naming the companion before anything of this transform is
/// written (ML.NET's <c>Model.Save(model, schema, filePath)</c> has created the file by then: use the Stream overload or
/// <c>SaveWithNetworks</c> to avoid a left-over file). Such a column gets back the slot names its input had at Fit.</item>
/// </list>
/// <para>Plain <c>Model.Load</c> gives those built-in transformers back, not this type. <c>mlContext.Model.SaveWithNetworks</c>
/// stores this transformer itself (statistics in double) and <c>LoadWithNetworks</c> gives it back with outputs bit for
/// bit as before saving, with no companion.</para>
/// </remarks>
public sealed class BatchNormalizingTransformer : ITransformer
{
    /// <summary>The parameters of one normalized column; every array has one value per slot (1 for a scalar column).</summary>
    public sealed class ColumnParameters
    {
        internal ColumnParameters(string outputColumnName, string inputColumnName, bool isVector,
            double[] mean, double[] variance, float[] gamma, float[] beta, float epsilon, string[]? slotNames = null)
        {
            OutputColumnName = outputColumnName;
            InputColumnName = inputColumnName;
            IsVector = isVector;
            Mean = [.. mean];
            Variance = [.. variance];
            Gamma = [.. gamma];
            Beta = [.. beta];
            Epsilon = epsilon;
            SlotNames = slotNames is null ? null : [.. slotNames];
            var meanHigh = new float[mean.Length];
            var scale = new float[mean.Length];
            var shift = new float[mean.Length];
            BatchNormKernels.ComputeInferenceParameters(mean, variance, gamma, beta, epsilon, meanHigh, scale, shift);
            MeanHigh = [.. meanHigh];
            Scale = [.. scale];
            Shift = [.. shift];
        }

        /// <summary>Name of the output column.</summary>
        public string OutputColumnName { get; }

        /// <summary>Name of the input column.</summary>
        public string InputColumnName { get; }

        /// <summary>true for a vector column, false for a scalar.</summary>
        public bool IsVector { get; }

        /// <summary>Number of slots.</summary>
        public int SlotCount => Mean.Length;

        /// <summary>Per-slot mean (fitted, in double, or given in the options), as the output uses it: not rounded to float.</summary>
        public ImmutableArray<double> Mean { get; }

        /// <summary>Per-slot variance (fitted in double, or given in the options): population or unbiased, as chosen in the options.</summary>
        public ImmutableArray<double> Variance { get; }

        /// <summary>Per-slot gamma (scale of the affine step).</summary>
        public ImmutableArray<float> Gamma { get; }

        /// <summary>Per-slot beta (offset of the affine step).</summary>
        public ImmutableArray<float> Beta { get; }

        /// <summary>Added to the variance before the square root.</summary>
        public float Epsilon { get; }

        /// <summary>The effective per-slot multiplier <c>gamma / sqrt(var + epsilon)</c>, computed in double and rounded to float.</summary>
        public ImmutableArray<float> Scale { get; }

        /// <summary>The mean rounded to float: the output is <c>Scale * (x - MeanHigh) + Shift</c>.</summary>
        internal ImmutableArray<float> MeanHigh { get; }

        /// <summary><c>beta - Scale * (Mean - MeanHigh)</c> rounded to float: the rest of the mean, folded into the shift.</summary>
        internal ImmutableArray<float> Shift { get; }

        /// <summary>The input's slot names seen at <c>Fit</c> (vectors with slot names only), for saved forms that must carry them.</summary>
        internal ImmutableArray<string>? SlotNames { get; }

        /// <summary>The same column writing <paramref name="outputColumnName"/> instead.</summary>
        internal ColumnParameters WithOutputColumnName(string outputColumnName) => new(outputColumnName, InputColumnName, IsVector,
            [.. Mean], [.. Variance], [.. Gamma], [.. Beta], Epsilon, SlotNames is { } names ? [.. names] : null);

        internal DataViewType Type => IsVector ? new VectorDataViewType(NumberDataViewType.Single, SlotCount) : NumberDataViewType.Single;
    }

    private readonly ColumnParameters[] _columns;

    internal BatchNormalizingTransformer(ColumnParameters[] columns) => _columns = columns;

    /// <summary>The normalized columns, in the order they were given.</summary>
    public IReadOnlyList<ColumnParameters> Columns => _columns;

    /// <summary>The parameters of the column that writes <paramref name="outputColumnName"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No column has that output name.</exception>
    public ColumnParameters GetColumn(string outputColumnName)
        => Array.Find(_columns, c => c.OutputColumnName == outputColumnName)
           ?? throw new ArgumentOutOfRangeException(nameof(outputColumnName),
               $"This transformer writes no column '{outputColumnName}' (it writes: {string.Join(", ", _columns.Select(c => c.OutputColumnName))}).");

    /// <summary>Always true: each row is mapped on its own.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The schema of the output: the input columns, then the normalized ones (same types).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="inputSchema"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or its type or size differs from the fitted one.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema).OutputSchema;

    /// <summary>Maps <paramref name="input"/> lazily.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or its type or size differs from the fitted one.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new AppendedColumnsDataView(input, Bind(input.Schema));
    }

    /// <summary>The row-to-row mapper (used by PredictionEngine).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="inputSchema"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or has the wrong type or size.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new AppendedColumnsRowMapper(Bind(inputSchema));

    /// <summary>Writes this map into an ML.NET model as built-in transformers computing it within the bound (see remarks).</summary>
    /// <exception cref="NotSupportedException">A vector column has gammas of both signs and the companion package
    /// BatchNormExtensions.ML.Onnx is not referenced (the message names it and <c>SaveWithNetworks</c>), or a scalar
    /// column's constants overflow float in every exact form (for example |beta / scale| beyond 3e38).</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        BatchNormalizePlainSave.Save(ctx, _columns);
    }

    private BatchNormalizingMapping Bind(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (var column in _columns)
        {
            var (size, isVector) = SchemaChecks.RequireSingleOrKnownSizeVector(inputSchema, column.InputColumnName, "Input", nameof(inputSchema));
            if (size != column.SlotCount || isVector != column.IsVector)
                throw SchemaChecks.WrongType(nameof(inputSchema), "Input", column.InputColumnName,
                    $"{column.Type} (the type it was fitted on)", inputSchema[column.InputColumnName].Type.ToString() ?? "");
        }
        return new BatchNormalizingMapping(inputSchema, _columns);
    }
}
