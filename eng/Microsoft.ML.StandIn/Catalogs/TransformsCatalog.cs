using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>The transforms of an <see cref="MLContext"/>; most are extension methods.</summary>
public sealed class TransformsCatalog
{
    internal TransformsCatalog(MLContext context)
    {
        Context = context;
        Conversion = new ConversionTransforms(this);
    }

    internal MLContext Context { get; }

    /// <summary>Type and key conversions.</summary>
    public ConversionTransforms Conversion { get; }

    /// <summary>The conversion transforms (extension methods in <see cref="ConversionsExtensionsCatalog"/>).</summary>
    public sealed class ConversionTransforms
    {
        internal ConversionTransforms(TransformsCatalog owner)
        {
            Owner = owner;
        }

        internal TransformsCatalog Owner { get; }
    }
}

/// <summary>Column copying and concatenation.</summary>
public static class TransformExtensionsCatalog
{
    /// <summary>Copies <paramref name="inputColumnName"/> into a new column <paramref name="outputColumnName"/>.</summary>
    /// <exception cref="ArgumentException">A name is null or empty.</exception>
    public static ColumnCopyingEstimator CopyColumns(this TransformsCatalog catalog, string outputColumnName, string inputColumnName)
        => new ColumnCopyingEstimator((outputColumnName, inputColumnName));

    // Internal in ML.NET 5 ([BestFriend]).
    internal static ColumnCopyingEstimator CopyColumns(this TransformsCatalog catalog, params InputOutputColumnPair[] columns)
        => new ColumnCopyingEstimator((columns ?? throw new ArgumentNullException(nameof(columns)))
            .Select(c => (c.OutputColumnName, c.InputColumnName)).ToArray());

    /// <summary>Concatenates scalar/vector columns of one item type into the vector column <paramref name="outputColumnName"/>.</summary>
    /// <exception cref="ArgumentException">A name is null or empty, or no input is given.</exception>
    public static ColumnConcatenatingEstimator Concatenate(this TransformsCatalog catalog, string outputColumnName, params string[] inputColumnNames)
        => new ColumnConcatenatingEstimator(outputColumnName, inputColumnNames);
}

/// <summary>Key conversions.</summary>
public static class ConversionsExtensionsCatalog
{
    /// <summary>Maps the values of <paramref name="inputColumnName"/> (default: the output name) to keys 1..K in the order
    /// given by <paramref name="keyOrdinality"/>, learned from the data or from <paramref name="keyData"/>.</summary>
    /// <exception cref="ArgumentException">A name is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maximumNumberOfKeys"/> is not positive.</exception>
    public static ValueToKeyMappingEstimator MapValueToKey(this TransformsCatalog.ConversionTransforms catalog,
        string outputColumnName, string? inputColumnName = null,
        int maximumNumberOfKeys = ValueToKeyMappingEstimator.Defaults.MaximumNumberOfKeys,
        ValueToKeyMappingEstimator.KeyOrdinality keyOrdinality = ValueToKeyMappingEstimator.Defaults.Ordinality,
        bool addKeyValueAnnotationsAsText = ValueToKeyMappingEstimator.Defaults.AddKeyValueAnnotationsAsText,
        IDataView? keyData = null)
        => new ValueToKeyMappingEstimator(new[] { (outputColumnName, inputColumnName ?? outputColumnName) },
            maximumNumberOfKeys, keyOrdinality, addKeyValueAnnotationsAsText, keyData);

    /// <summary>Several columns at once; see the other overload.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="columns"/> is null.</exception>
    public static ValueToKeyMappingEstimator MapValueToKey(this TransformsCatalog.ConversionTransforms catalog,
        InputOutputColumnPair[] columns,
        int maximumNumberOfKeys = ValueToKeyMappingEstimator.Defaults.MaximumNumberOfKeys,
        ValueToKeyMappingEstimator.KeyOrdinality keyOrdinality = ValueToKeyMappingEstimator.Defaults.Ordinality,
        bool addKeyValueAnnotationsAsText = ValueToKeyMappingEstimator.Defaults.AddKeyValueAnnotationsAsText,
        IDataView? keyData = null)
        => new ValueToKeyMappingEstimator((columns ?? throw new ArgumentNullException(nameof(columns)))
            .Select(c => (c.OutputColumnName, c.InputColumnName)).ToArray(), maximumNumberOfKeys, keyOrdinality, addKeyValueAnnotationsAsText, keyData);

    /// <summary>Maps keys back to their <c>KeyValues</c>.</summary>
    /// <exception cref="ArgumentException">A name is null or empty.</exception>
    public static KeyToValueMappingEstimator MapKeyToValue(this TransformsCatalog.ConversionTransforms catalog,
        string outputColumnName, string? inputColumnName = null)
        => new KeyToValueMappingEstimator((outputColumnName, inputColumnName ?? outputColumnName));

    /// <summary>Several columns at once; see the other overload.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="columns"/> is null.</exception>
    public static KeyToValueMappingEstimator MapKeyToValue(this TransformsCatalog.ConversionTransforms catalog, InputOutputColumnPair[] columns)
        => new KeyToValueMappingEstimator((columns ?? throw new ArgumentNullException(nameof(columns)))
            .Select(c => (c.OutputColumnName, c.InputColumnName)).ToArray());
}

/// <summary>Normalizers.</summary>
public static class NormalizationCatalog
{
    /// <summary>Mean-variance normalization (see <see cref="NormalizingEstimator"/> for the exact computation).</summary>
    /// <exception cref="ArgumentException">A name is null or empty, or <paramref name="useCdf"/> is true (not provided
    /// by the stand-in).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maximumExampleCount"/> is not greater than 1.</exception>
    public static NormalizingEstimator NormalizeMeanVariance(this TransformsCatalog catalog,
        string outputColumnName, string? inputColumnName = null,
        long maximumExampleCount = NormalizingEstimator.Defaults.MaximumExampleCount,
        bool fixZero = NormalizingEstimator.Defaults.EnsureZeroUntouched,
        bool useCdf = NormalizingEstimator.Defaults.MeanVarCdf)
        => new NormalizingEstimator(new[] { new NormalizingEstimator.MeanVarianceColumn(outputColumnName, inputColumnName ?? outputColumnName,
            maximumExampleCount, fixZero) }, useCdf);

    /// <summary>Several columns at once; see the other overload.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="columns"/> is null.</exception>
    public static NormalizingEstimator NormalizeMeanVariance(this TransformsCatalog catalog, InputOutputColumnPair[] columns,
        long maximumExampleCount = NormalizingEstimator.Defaults.MaximumExampleCount,
        bool fixZero = NormalizingEstimator.Defaults.EnsureZeroUntouched,
        bool useCdf = NormalizingEstimator.Defaults.MeanVarCdf)
        => new NormalizingEstimator((columns ?? throw new ArgumentNullException(nameof(columns)))
            .Select(c => new NormalizingEstimator.MeanVarianceColumn(c.OutputColumnName, c.InputColumnName, maximumExampleCount, fixZero)).ToArray(), useCdf);
}
