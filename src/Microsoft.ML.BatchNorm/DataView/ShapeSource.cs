namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>
/// Built-in ML.NET estimators used only for what ML.NET's public API keeps to itself: SchemaShape columns (their
/// constructor is internal) and model entries (ModelSaveContext's members are internal). Catalog environments are
/// internal too, so a private MLContext serves.
/// </summary>
internal static class ShapeSource
{
    private static readonly Lazy<MLContext> Context = new(() => new MLContext(seed: 0));

    public static MLContext MLContext => Context.Value;

    /// <summary>The affine mean-variance normalizer over the given columns (no zero fixing, no CDF).</summary>
    public static IEstimator<ITransformer> Normalizer(InputOutputColumnPair[] columns)
        => MLContext.Transforms.NormalizeMeanVariance(columns, fixZero: false);

    /// <summary>Copies of existing columns: same type and annotations under new names.</summary>
    public static IEstimator<ITransformer> Copies(InputOutputColumnPair[] columns)
    {
        // The pair overload of CopyColumns is internal in ML.NET 5: chain single copies.
        IEstimator<ITransformer> chain = MLContext.Transforms.CopyColumns(columns[0].OutputColumnName, columns[0].InputColumnName);
        foreach (var pair in columns.Skip(1))
            chain = chain.Append(MLContext.Transforms.CopyColumns(pair.OutputColumnName, pair.InputColumnName));
        return chain;
    }
}
