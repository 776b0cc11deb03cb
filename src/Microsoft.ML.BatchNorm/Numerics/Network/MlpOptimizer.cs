namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// A first-order optimizer over a fixed set of <see cref="MlpParameter"/>s. L2 regularization is coupled: lambda * w is
/// added to the gradient of parameters with <see cref="MlpParameter.ApplyWeightDecay"/> before the update (the
/// gradients themselves are not modified). State is allocated once; <see cref="Step"/> does not allocate. The update
/// is element-wise, so it is split over two cores (all parameters as one index range) without changing any result.
/// </summary>
internal abstract class MlpOptimizer
{
    /// <summary>Fewer elements than this are updated on the calling thread alone (a hand-off costs a few microseconds).</summary>
    private const int ParallelThreshold = 1 << 16;

    private readonly TwoWaySplit _split;
    private readonly int _totalLength;

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
        long total = 0;
        foreach (MlpParameter p in Parameters) total += p.Value.Length;
        if (total > int.MaxValue) throw new ArgumentException("Too many parameters for one optimizer.", nameof(parameters));
        _totalLength = (int)total;
        _split = new TwoWaySplit(UpdateRange);
    }

    /// <summary>The parameters updated by <see cref="Step"/>.</summary>
    public IReadOnlyList<MlpParameter> Parameters { get; }

    /// <summary>The L2 coefficient lambda.</summary>
    public float L2Regularization { get; }

    /// <summary>Updates every parameter from its current gradient.</summary>
    public void Step()
    {
        BeginStep();
        _split.Run(_totalLength, ParallelThreshold, alignment: 64);
    }

    /// <summary>Per-step scalars (step count, bias corrections), computed before any element is updated.</summary>
    protected abstract void BeginStep();

    /// <summary>Updates elements [start, start + count) of parameter <paramref name="index"/> (called concurrently on disjoint ranges).</summary>
    protected abstract void Update(int index, int start, int count);

    // Maps [start, end) of the concatenation of all parameters onto each parameter's elements.
    private void UpdateRange(int start, int end)
    {
        int offset = 0;
        for (int p = 0; p < Parameters.Count && offset < end; p++)
        {
            int length = Parameters[p].Value.Length;
            int from = Math.Max(start, offset), to = Math.Min(end, offset + length);
            if (from < to) Update(p, from - offset, to - from);
            offset += length;
        }
    }

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
