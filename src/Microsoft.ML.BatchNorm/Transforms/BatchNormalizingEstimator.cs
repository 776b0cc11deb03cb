using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Estimator of batch normalization (Ioffe and Szegedy 2015, arXiv:1502.03167). <see cref="Fit"/> computes, per
/// slot of each input column, the mean and variance over all rows in one streaming pass (accumulated in double,
/// Chan et al.'s mergeable update, so large means with small spreads stay exact); the resulting
/// <see cref="BatchNormalizingTransformer"/> maps every row with
/// <c>y = gamma * (x - mean) / sqrt(var + epsilon) + beta</c> (the paper's Algorithm 2).
/// Create it with <c>mlContext.Transforms.BatchNormalize(...)</c>.
/// </summary>
/// <remarks>
/// Input columns: <see cref="float"/> or known-size vectors of <see cref="float"/>, dense or sparse (implicit zeros
/// count as values). Output columns: the same type, always dense, annotated IsNormalized, with the input's slot names.
/// </remarks>
public sealed class BatchNormalizingEstimator : IEstimator<BatchNormalizingTransformer>
{
    /// <summary>Default values of the options.</summary>
    public static class Defaults
    {
        /// <summary>Added to the variance before the square root: 1e-5, as in PyTorch's BatchNorm1d.</summary>
        public const float Epsilon = 1e-5f;

        /// <summary>false: the population (biased, divide by m) variance.</summary>
        public const bool UseUnbiasedVariance = false;
    }

    /// <summary>Options of one normalized column.</summary>
    public sealed class ColumnOptions
    {
        /// <summary>Creates the options of one column.</summary>
        /// <param name="outputColumnName">Name of the output column.</param>
        /// <param name="inputColumnName">Name of the input column; defaults to <paramref name="outputColumnName"/>.</param>
        /// <exception cref="ArgumentNullException"><paramref name="outputColumnName"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="outputColumnName"/> is empty.</exception>
        public ColumnOptions(string outputColumnName, string? inputColumnName = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
            OutputColumnName = outputColumnName;
            InputColumnName = string.IsNullOrEmpty(inputColumnName) ? outputColumnName : inputColumnName;
        }

        /// <summary>Name of the output column.</summary>
        public string OutputColumnName { get; }

        /// <summary>Name of the input column.</summary>
        public string InputColumnName { get; }

        /// <summary>
        /// gamma, the learned scale of the paper: one value per slot, or null for all ones (default). Any finite value,
        /// zero and negative included. Saving: plain <c>mlContext.Model.Save</c> writes a column whose gammas are all
        /// &gt;= 0 or all &lt;= 0 with ML.NET's own normalizers; a vector column with gammas of both signs needs the
        /// companion package BatchNormExtensions.ML.Onnx (see <see cref="BatchNormalizingTransformer"/>);
        /// <c>SaveWithNetworks</c> writes every state.
        /// </summary>
        public float[]? Scale { get; set; }

        /// <summary>beta, the learned shift of the paper: one value per slot, or null for all zeros (default).</summary>
        public float[]? Offset { get; set; }

        /// <summary>Added to the variance before the square root; positive and finite. Default 1e-5.</summary>
        public float Epsilon { get; set; } = Defaults.Epsilon;

        /// <summary>
        /// false (default): population variance (divide by m); true: the unbiased estimate (divide by m - 1) that
        /// the paper uses for inference (section 3.1). Needs at least 2 rows.
        /// </summary>
        public bool UseUnbiasedVariance { get; set; } = Defaults.UseUnbiasedVariance;

        /// <summary>
        /// Fixed per-slot mean to use instead of fitting one (for example a network's running mean). Give both
        /// <see cref="Mean"/> and <see cref="Variance"/>, or neither. A fitted mean is kept in double (see
        /// <see cref="BatchNormalizingTransformer.ColumnParameters.Mean"/>); a given one is used as it is.
        /// </summary>
        public float[]? Mean { get; set; }

        /// <summary>Fixed per-slot variance (non-negative) to use instead of fitting one; see <see cref="Mean"/>.</summary>
        public float[]? Variance { get; set; }
    }

    /// <summary>Options of the estimator: one entry per column.</summary>
    public sealed class Options
    {
        /// <summary>The columns to normalize (at least one); all are fitted in the same pass over the data.</summary>
        public ColumnOptions[] Columns { get; set; } = [];
    }

    private readonly ColumnOptions[] _columns;

    /// <summary>Creates the estimator. Prefer <c>mlContext.Transforms.BatchNormalize(...)</c>.</summary>
    /// <param name="options">The options, validated here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or its column list is null.</exception>
    /// <exception cref="ArgumentException">No column, an output named twice, both or neither of Mean/Variance, or a
    /// non-finite value in Scale, Offset, Mean or Variance (a negative variance included).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An epsilon that is not positive and finite.</exception>
    public BatchNormalizingEstimator(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Columns, nameof(options) + "." + nameof(options.Columns));
        if (options.Columns.Length == 0)
            throw new ArgumentException("BatchNormalize needs at least one column.", nameof(options));
        var outputs = new HashSet<string>();
        foreach (var column in options.Columns)
        {
            ArgumentNullException.ThrowIfNull(column, nameof(options) + "." + nameof(options.Columns));
            if (!outputs.Add(column.OutputColumnName))
                throw new ArgumentException($"Output column '{column.OutputColumnName}' is named twice.", nameof(options));
            ValidateColumn(column);
        }
        _columns = options.Columns.ToArray();
    }

    private static void ValidateColumn(ColumnOptions column)
    {
        string name = column.OutputColumnName;
        if (!(column.Epsilon > 0 && float.IsFinite(column.Epsilon)))
            throw new ArgumentOutOfRangeException(nameof(ColumnOptions.Epsilon), column.Epsilon,
                $"Column '{name}': epsilon must be positive and finite.");
        if ((column.Mean is null) != (column.Variance is null))
            throw new ArgumentException($"Column '{name}': give both Mean and Variance, or neither.");
        RequireFinite(column.Scale, name, "Scale (gamma)");
        RequireFinite(column.Offset, name, "Offset (beta)");
        RequireFinite(column.Mean, name, "Mean");
        RequireFinite(column.Variance, name, "Variance");
        if (column.Variance is { } variance && Array.FindIndex(variance, v => v < 0) is var negative and >= 0)
            throw new ArgumentException($"Column '{name}': Variance[{negative}] is {variance[negative]}; a variance cannot be negative.");
    }

    private static void RequireFinite(float[]? values, string column, string option)
    {
        if (values is null)
            return;
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new ArgumentException($"Column '{column}': {option}[{bad}] is {values[bad]}; it must be finite.");
    }

    /// <summary>
    /// Fits the statistics in one pass over <paramref name="input"/> (skipped for columns given fixed Mean and
    /// Variance) and returns the transformer.
    /// </summary>
    /// <param name="input">The training data.</param>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing, is not Single or a known-size
    /// vector of Single, or an option array's length differs from the column's slot count.</exception>
    /// <exception cref="InvalidOperationException">The data has no rows (or one row with the unbiased variance),
    /// or holds NaN or an infinity (the message names the column, row and slot).</exception>
    public BatchNormalizingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var sizes = new (int Size, bool IsVector)[_columns.Length];
        for (int i = 0; i < _columns.Length; i++)
        {
            var column = _columns[i];
            sizes[i] = SchemaChecks.RequireSingleOrKnownSizeVector(input.Schema, column.InputColumnName, "Input", nameof(input));
            CheckLength(column, "Scale (gamma)", column.Scale, sizes[i].Size);
            CheckLength(column, "Offset (beta)", column.Offset, sizes[i].Size);
            CheckLength(column, "Mean", column.Mean, sizes[i].Size);
            CheckLength(column, "Variance", column.Variance, sizes[i].Size);
        }

        var toFit = Enumerable.Range(0, _columns.Length).Where(i => _columns[i].Mean is null).ToArray();
        var fitted = BatchNormStatisticsPass.Run(input,
            toFit.Select(i => (_columns[i].InputColumnName, sizes[i].Size)).ToArray());

        var parameters = new BatchNormalizingTransformer.ColumnParameters[_columns.Length];
        for (int i = 0; i < _columns.Length; i++)
        {
            var column = _columns[i];
            int size = sizes[i].Size;
            // The statistics stay in double: the output uses the whole mean, not its float rounding.
            double[] mean, variance;
            int fittedIndex = Array.IndexOf(toFit, i);
            if (fittedIndex >= 0)
            {
                var moments = fitted[fittedIndex];
                if (column.UseUnbiasedVariance && moments.RowCount < 2)
                    throw new InvalidOperationException(
                        $"Column '{column.InputColumnName}': the unbiased variance needs at least 2 rows; the data has {moments.RowCount}.");
                mean = new double[size];
                variance = new double[size];
                moments.GetMean(mean);
                moments.GetVariance(variance, column.UseUnbiasedVariance);
            }
            else
            {
                mean = Array.ConvertAll(column.Mean!, v => (double)v);
                variance = Array.ConvertAll(column.Variance!, v => (double)v);
            }
            parameters[i] = new BatchNormalizingTransformer.ColumnParameters(
                column.OutputColumnName, column.InputColumnName, sizes[i].IsVector,
                mean, variance,
                column.Scale is null ? Enumerable.Repeat(1f, size).ToArray() : (float[])column.Scale.Clone(),
                column.Offset is null ? new float[size] : (float[])column.Offset.Clone(),
                column.Epsilon, SlotNamesOf(input.Schema[column.InputColumnName]));
        }
        return new BatchNormalizingTransformer(parameters);
    }

    private static string[]? SlotNamesOf(DataViewSchema.Column column)
    {
        if (column.Type is not VectorDataViewType || !column.HasSlotNames())
            return null;
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    private static void CheckLength(ColumnOptions column, string option, float[]? values, int size)
    {
        if (values is not null && values.Length != size)
            throw new ArgumentOutOfRangeException(option,
                $"Column '{column.InputColumnName}' has {size} slot(s) but {option} has {values.Length} value(s).");
    }

    /// <summary>
    /// Schema propagation: the output columns have the input columns' types (Single or known-size vector of
    /// Single), are annotated IsNormalized and keep the input's slot names.
    /// </summary>
    /// <param name="inputSchema">The shape of the input.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inputSchema"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or has the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (var column in _columns)
            SchemaChecks.RequireSingleOrKnownSizeVector(inputSchema, column.InputColumnName, "Input", nameof(inputSchema));
        // SchemaShape.Column has no public constructor: ML.NET's own affine normalizer promises exactly the shape
        // our output has (same type, IsNormalized, slot names kept), so its propagation is reused.
        return ShapeSource.Normalizer(_columns.Select(c => new InputOutputColumnPair(c.OutputColumnName, c.InputColumnName)).ToArray())
            .GetOutputSchema(inputSchema);
    }
}
