using Microsoft.ML.TestFramework;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>Seeded synthetic data and a double-precision two-pass reference of per-slot statistics.</summary>
internal static class TransformTestData
{
    /// <summary>
    /// <paramref name="rows"/> rows of <paramref name="slots"/> Gaussian values, slot j with mean
    /// <c>means[j]</c> and standard deviation <c>stds[j]</c>; each value is zero with probability
    /// <paramref name="zeroFraction"/> (to exercise sparse input).
    /// </summary>
    public static float[][] Gaussian(int rows, double[] means, double[] stds, int seed, double zeroFraction = 0)
    {
        var random = new Random(seed);
        var result = new float[rows][];
        for (int i = 0; i < rows; i++)
        {
            result[i] = new float[means.Length];
            for (int j = 0; j < means.Length; j++)
                result[i][j] = random.NextDouble() < zeroFraction ? 0f : (float)(means[j] + stds[j] * StandardNormal(random));
        }
        return result;
    }

    /// <summary>One standard normal draw (Box-Muller).</summary>
    public static double StandardNormal(Random random)
    {
        double u = 1 - random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }

    /// <summary>Per-slot mean and variance by the textbook two passes in double: population (divide by n) or unbiased (n - 1).</summary>
    public static (double[] Mean, double[] Variance) TwoPassMoments(float[][] rows, bool unbiased)
    {
        int d = rows[0].Length;
        var mean = new double[d];
        var variance = new double[d];
        foreach (var row in rows)
        {
            for (int j = 0; j < d; j++)
                mean[j] += row[j];
        }
        for (int j = 0; j < d; j++)
            mean[j] /= rows.Length;
        foreach (var row in rows)
        {
            for (int j = 0; j < d; j++)
                variance[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
        }
        for (int j = 0; j < d; j++)
            variance[j] /= unbiased ? rows.Length - 1 : rows.Length;
        return (mean, variance);
    }

    /// <summary>One column of rows: row i's slot <paramref name="slot"/>.</summary>
    public static float[] Slot(float[][] rows, int slot) => rows.Select(r => r[slot]).ToArray();

    /// <summary>A data view with one known-size Single vector column.</summary>
    public static IDataView Vectors(string name, float[][] rows) => new InMemoryDataBuilder().AddSingleVector(name, rows).Build();
}
