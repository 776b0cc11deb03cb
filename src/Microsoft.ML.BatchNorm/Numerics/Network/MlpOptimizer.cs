namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// A first-order optimizer over a fixed set of <see cref="MlpParameter"/>s. L2 regularization is coupled: lambda * w is
/// added to the gradient of parameters with <see cref="MlpParameter.ApplyWeightDecay"/> before the update (the
/// gradients themselves are not modified). State is allocated once; <see cref="Step"/> does not allocate.
/// </summary>
/// <remarks>
/// The update runs on the calling thread: it streams four arrays and is bound by memory bandwidth, and splitting it
/// over the two cores measured no faster (the gradients sit in the cache of the core that computed them).
/// </remarks>
internal abstract class MlpOptimizer
{
    /// <summary>Keeps the parameters and the L2 coefficient.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l2Regularization"/> is negative or not finite.</exception>
    protected MlpOptimizer(IReadOnlyList<MlpParameter> parameters, float l2Regularization)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!float.IsFinite(l2Regularization) || l2Regularization < 0f)
            throw new ArgumentOutOfRangeException(nameof(l2Regularization), l2Regularization, "The L2 coefficient must be finite and non-negative.");
        Parameters = [.. parameters];
        L2Regularization = l2Regularization;
    }

    /// <summary>The parameters updated by <see cref="Step"/>.</summary>
    public IReadOnlyList<MlpParameter> Parameters { get; }

    /// <summary>The L2 coefficient lambda.</summary>
    public float L2Regularization { get; }

    /// <summary>Updates every parameter from its current gradient.</summary>
    public void Step()
    {
        BeginStep();
        for (int p = 0; p < Parameters.Count; p++) Update(p);
    }

    /// <summary>Per-step scalars (step count, bias corrections), computed before any element is updated.</summary>
    protected abstract void BeginStep();

    /// <summary>Updates parameter <paramref name="index"/> of <see cref="Parameters"/>.</summary>
    protected abstract void Update(int index);

    /// <summary>The optimizer chosen by the settings (Adam or SGD with momentum), over the given parameters.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (see <see cref="MlpTrainingSettings.Validate"/>).</exception>
    public static MlpOptimizer Create(MlpTrainingSettings settings, IReadOnlyList<MlpParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Optimizer switch
        {
            MlpOptimizerKind.Adam => new AdamOptimizer(parameters, settings.LearningRate, settings.AdamBeta1,
                settings.AdamBeta2, settings.AdamEpsilon, settings.L2Regularization),
            MlpOptimizerKind.SgdMomentum => new SgdMomentumOptimizer(parameters, settings.LearningRate,
                settings.SgdMomentum, settings.L2Regularization),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Optimizer, "Unknown optimizer."),
        };
    }
}
