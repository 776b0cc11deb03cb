using System.Collections.Immutable;
using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// The fitted batch normalization: for each column, per slot,
/// <c>y = gamma * (x - mean) / sqrt(var + epsilon) + beta</c> (Ioffe and Szegedy 2015, Algorithm 2), computed as
/// <c>(x - mean) * scale + beta</c> with <c>scale = gamma / sqrt(var + epsilon)</c> in double, so a large mean does
/// not cost precision. A row-to-row mapper: works in pipelines, with CreateEnumerable and PredictionEngine.
/// </summary>
/// <remarks>
/// Saving: ML.NET gives third-party transformers no way to write model entries, so <c>mlContext.Model.Save</c>
/// stores this map as ML.NET's own affine normalizer (a <see cref="NormalizingTransformer"/> computing
/// <c>(x - offset) * scale</c> with <c>scale = gamma / sqrt(var + epsilon)</c>, <c>offset = mean - beta / scale</c>),
/// which plain <c>mlContext.Model.Load</c> reads back with no registration. That form needs a positive scale:
/// saving a column with gamma &lt;= 0 in any slot throws <see cref="NotSupportedException"/> before anything is
/// written.
/// </remarks>
public sealed class BatchNormalizingTransformer : ITransformer
{
    /// <summary>The parameters of one normalized column; every array has one value per slot (1 for a scalar column).</summary>
    public sealed class ColumnParameters
    {
        internal ColumnParameters(string outputColumnName, string inputColumnName, bool isVector,
            float[] mean, float[] variance, float[] gamma, float[] beta, float epsilon)
        {
            OutputColumnName = outputColumnName;
            InputColumnName = inputColumnName;
            IsVector = isVector;
            Mean = [.. mean];
            Variance = [.. variance];
            Gamma = [.. gamma];
            Beta = [.. beta];
            Epsilon = epsilon;
            var scale = new float[mean.Length];
            BatchNormKernels.ComputeScale(variance, gamma, epsilon, scale);
            Scale = [.. scale];
        }

        /// <summary>Name of the output column.</summary>
        public string OutputColumnName { get; }

        /// <summary>Name of the input column.</summary>
        public string InputColumnName { get; }

        /// <summary>true for a vector column, false for a scalar.</summary>
        public bool IsVector { get; }

        /// <summary>Number of slots.</summary>
        public int SlotCount => Mean.Length;

        /// <summary>Per-slot mean (fitted, or given in the options).</summary>
        public ImmutableArray<float> Mean { get; }

        /// <summary>Per-slot variance: population or unbiased, as chosen in the options.</summary>
        public ImmutableArray<float> Variance { get; }

        /// <summary>Per-slot gamma (scale of the affine step).</summary>
        public ImmutableArray<float> Gamma { get; }

        /// <summary>Per-slot beta (offset of the affine step).</summary>
        public ImmutableArray<float> Beta { get; }

        /// <summary>Added to the variance before the square root.</summary>
        public float Epsilon { get; }

        /// <summary>The effective per-slot multiplier <c>gamma / sqrt(var + epsilon)</c>.</summary>
        public ImmutableArray<float> Scale { get; }

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

    /// <summary>Writes this map into an ML.NET model as an equivalent built-in affine normalizer (see remarks).</summary>
    /// <exception cref="NotSupportedException">A slot's scale is not positive (gamma &lt;= 0), or the map cannot be
    /// held in float precision by the built-in normalizer.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ((ICanSaveModel)AffineNormalizerSurrogate.Create(_columns)).Save(ctx);
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
