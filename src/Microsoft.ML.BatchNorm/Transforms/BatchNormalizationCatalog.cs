using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>
/// Catalog entry points of batch normalization:
/// <c>mlContext.Transforms.BatchNormalize(...)</c>.
/// </summary>
public static class BatchNormalizationCatalog
{
    /// <summary>
    /// Creates a <see cref="BatchNormalizingEstimator"/> that normalizes one column with its batch statistics:
    /// <c>y = gamma * (x - mean) / sqrt(var + epsilon) + beta</c> per slot (Ioffe and Szegedy 2015, Algorithm 2),
    /// with gamma = 1 and beta = 0.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the output column: same type as the input, always dense.</param>
    /// <param name="inputColumnName">Name of the input column, <see cref="float"/> or a known-size vector of
    /// <see cref="float"/>, dense or sparse. Defaults to <paramref name="outputColumnName"/>.</param>
    /// <param name="epsilon">Added to the variance before the square root; must be positive and finite. Default 1e-5.</param>
    /// <param name="useUnbiasedVariance">false (default): the population variance (divide by m, as batch
    /// normalization's training mode and ML.NET's NormalizeMeanVariance do); true: the unbiased m/(m-1) estimate
    /// that the paper uses for inference (section 3.1).</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or <paramref name="outputColumnName"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is not positive and finite.</exception>
    public static BatchNormalizingEstimator BatchNormalize(this TransformsCatalog catalog, string outputColumnName,
        string? inputColumnName = null, float epsilon = BatchNormalizingEstimator.Defaults.Epsilon,
        bool useUnbiasedVariance = BatchNormalizingEstimator.Defaults.UseUnbiasedVariance)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new BatchNormalizingEstimator(new BatchNormalizingEstimator.Options
        {
            Columns = [new BatchNormalizingEstimator.ColumnOptions(outputColumnName, inputColumnName)
            {
                Epsilon = epsilon,
                UseUnbiasedVariance = useUnbiasedVariance,
            }],
        });
    }

    /// <summary>
    /// Creates a <see cref="BatchNormalizingEstimator"/> over several columns, fitted in one pass over the data.
    /// Each column is normalized as in <see cref="BatchNormalize(TransformsCatalog, string, string, float, bool)"/>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="columns">Output and input column names, one pair per column (at least one).</param>
    /// <param name="epsilon">Added to every variance; must be positive and finite. Default 1e-5.</param>
    /// <param name="useUnbiasedVariance">Population (false, default) or unbiased (true) variance.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or <paramref name="columns"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="columns"/> is empty or names an output twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is not positive and finite.</exception>
    public static BatchNormalizingEstimator BatchNormalize(this TransformsCatalog catalog,
        InputOutputColumnPair[] columns, float epsilon = BatchNormalizingEstimator.Defaults.Epsilon,
        bool useUnbiasedVariance = BatchNormalizingEstimator.Defaults.UseUnbiasedVariance)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(columns);
        return new BatchNormalizingEstimator(new BatchNormalizingEstimator.Options
        {
            Columns = columns.Select(pair => new BatchNormalizingEstimator.ColumnOptions(
                pair.OutputColumnName, pair.InputColumnName)
            {
                Epsilon = epsilon,
                UseUnbiasedVariance = useUnbiasedVariance,
            }).ToArray(),
        });
    }

    /// <summary>
    /// Creates a <see cref="BatchNormalizingEstimator"/> from full options: per column, the affine parameters
    /// gamma (<see cref="BatchNormalizingEstimator.ColumnOptions.Scale"/>) and beta
    /// (<see cref="BatchNormalizingEstimator.ColumnOptions.Offset"/>), epsilon, the variance estimate, and optionally
    /// fixed statistics instead of fitted ones.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The options; validated here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names the column and the option.</exception>
    public static BatchNormalizingEstimator BatchNormalize(this TransformsCatalog catalog,
        BatchNormalizingEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new BatchNormalizingEstimator(options);
    }
}
