namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>Deterministic benchmark inputs.</summary>
internal static class TestData
{
    /// <summary>
    /// <paramref name="length"/> normal samples scaled as <c>randn * scale + shift</c> (the PyTorch script's
    /// <c>torch.randn(n, d) * 3 + 1</c> uses scale 3 and shift 1), by the Box-Muller transform from a seeded
    /// <see cref="Random"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public static float[] Normal(int length, int seed, float scale = 1f, float shift = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i += 2)
        {
            double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            double angle = 2 * Math.PI * random.NextDouble();
            values[i] = (float)(radius * Math.Cos(angle)) * scale + shift;
            if (i + 1 < length) values[i + 1] = (float)(radius * Math.Sin(angle)) * scale + shift;
        }
        return values;
    }
}
