namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Standard normal samples from a <see cref="Random"/> by the Box-Muller transform (Box and Muller 1958), both values
/// of each pair used. Deterministic for a seeded Random: the only randomness is <see cref="Random.NextDouble"/>.
/// </summary>
internal sealed class GaussianSampler
{
    private readonly Random _random;
    private double _spare;
    private bool _hasSpare;

    /// <summary>Draws from <paramref name="random"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="random"/> is null.</exception>
    public GaussianSampler(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _random = random;
    }

    /// <summary>One sample of N(0, 1).</summary>
    public double Next()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        // 1 - u keeps the logarithm's argument in (0, 1].
        double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - _random.NextDouble()));
        double angle = 2.0 * Math.PI * _random.NextDouble();
        _spare = radius * Math.Sin(angle);
        _hasSpare = true;
        return radius * Math.Cos(angle);
    }
}
