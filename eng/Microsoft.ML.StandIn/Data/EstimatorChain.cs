namespace Microsoft.ML.Data;

/// <summary>A sequence of estimators (possibly empty) ending with one producing <typeparamref name="TLastTransformer"/>.</summary>
public sealed class EstimatorChain<TLastTransformer> : IEstimator<TransformerChain<TLastTransformer>>
    where TLastTransformer : class, ITransformer
{
    private readonly IEstimator<ITransformer>[] _estimators;
    private readonly TransformerScope[] _scopes;

    /// <summary>The last estimator (null for an empty chain).</summary>
    public readonly IEstimator<TLastTransformer> LastEstimator;

    /// <summary>Creates an empty chain.</summary>
    public EstimatorChain()
    {
        _estimators = Array.Empty<IEstimator<ITransformer>>();
        _scopes = Array.Empty<TransformerScope>();
        LastEstimator = null!;
    }

    private EstimatorChain(IEstimator<ITransformer>[] estimators, TransformerScope[] scopes)
    {
        _estimators = estimators;
        _scopes = scopes;
        LastEstimator = (estimators.LastOrDefault() as IEstimator<TLastTransformer>)!;
    }

    /// <summary>Checks the whole chain's schema propagation, then fits each estimator on the output of the previous
    /// transformers.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public TransformerChain<TLastTransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var current = input;
        var transformers = new ITransformer[_estimators.Length];
        for (int i = 0; i < _estimators.Length; i++)
        {
            transformers[i] = _estimators[i].Fit(current);
            current = transformers[i].Transform(current);
        }
        return new TransformerChain<TLastTransformer>(transformers, _scopes);
    }

    /// <summary>Applies every member's shape propagation in order.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var shape = inputSchema;
        foreach (var estimator in _estimators)
            shape = estimator.GetOutputSchema(shape);
        return shape;
    }

    /// <summary>A new chain with <paramref name="estimator"/> appended.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="estimator"/> is null.</exception>
    public EstimatorChain<TNewTrans> Append<TNewTrans>(IEstimator<TNewTrans> estimator, TransformerScope scope = TransformerScope.Everything)
        where TNewTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(estimator);
        return new EstimatorChain<TNewTrans>(_estimators.Append((IEstimator<ITransformer>)estimator).ToArray(), _scopes.Append(scope).ToArray());
    }
}
