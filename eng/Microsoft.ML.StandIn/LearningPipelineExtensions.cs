using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>The <c>Append</c> extension methods that chain estimators and transformers.</summary>
public static class LearningPipelineExtensions
{
    /// <summary>An estimator chain of <paramref name="start"/> then <paramref name="estimator"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static EstimatorChain<TTrans> Append<TTrans>(this IEstimator<ITransformer> start, IEstimator<TTrans> estimator,
        TransformerScope scope = TransformerScope.Everything)
        where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(estimator);
        return new EstimatorChain<ITransformer>().Append(start).Append(estimator, scope);
    }

    /// <summary>A transformer chain of <paramref name="start"/> then <paramref name="transformer"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static TransformerChain<TTrans> Append<TTrans>(this ITransformer start, TTrans transformer)
        where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(transformer);
        return new TransformerChain<TTrans>(start, transformer);
    }
}
