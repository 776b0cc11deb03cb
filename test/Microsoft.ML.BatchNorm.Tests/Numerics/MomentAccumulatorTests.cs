using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

[TestClass]
public sealed class MomentAccumulatorTests
{
    // Dense rows are summed in float within 16-row blocks (then in double): results are exact to float precision,
    // so comparisons allow a few float ulps (2^-23 = 1.2e-7), of the mean plus the standard deviation for means.
    private const double FloatPrecision = 8.0 / (1 << 23);

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 3)]
    [DataRow(33, 9)]
    [DataRow(100, 17)]
    public void DenseRowsMatchATwoPassDoubleReference(int rows, int dimension)
    {
        float[] data = Data(new Random(rows * 7 + dimension), rows, dimension, offset: 3f, spread: 2f);
        var accumulator = new MomentAccumulator(dimension);
        // Uneven calls, so that call boundaries and blocks do not line up.
        for (int start = 0, count = 1; start < rows; start += count, count = count * 3 % 17 + 1)
        {
            count = Math.Min(count, rows - start);
            Assert.AreEqual(-1, accumulator.AddRows(data.AsSpan(start * dimension, count * dimension), count));
        }
        Assert.AreEqual(rows, accumulator.RowCount);
        AssertMoments(data, rows, dimension, accumulator, FloatPrecision);
    }

    [TestMethod]
    public void MergingTwoHalvesEqualsTheWhole()
    {
        const int rows = 61, dimension = 10;
        float[] data = Data(new Random(5), rows, dimension, offset: -4f, spread: 3f);
        var whole = new MomentAccumulator(dimension);
        whole.AddRows(data, rows);
        var first = new MomentAccumulator(dimension);
        var second = new MomentAccumulator(dimension);
        first.AddRows(data.AsSpan(0, 20 * dimension), 20);
        second.AddRows(data.AsSpan(20 * dimension), rows - 20);
        first.Merge(second);
        Assert.AreEqual(whole.RowCount, first.RowCount);
        AssertSame(whole, first, FloatPrecision);
        AssertMoments(data, rows, dimension, first, FloatPrecision);
    }

    [TestMethod]
    public void SparseRowsEqualTheSameRowsDense()
    {
        const int rows = 45, dimension = 12;
        var random = new Random(11);
        float[] data = Data(random, rows, dimension, offset: 1f, spread: 2f);
        for (int i = 0; i < data.Length; i++)
            if (random.NextDouble() < 0.6) data[i] = 0; // slot 0 below keeps some explicit values in each column
        for (int i = 0; i < rows; i++) data[i * dimension + dimension - 1] = 0; // a column never listed
        var dense = new MomentAccumulator(dimension);
        dense.AddRows(data, rows);
        var sparse = new MomentAccumulator(dimension);
        var mixed = new MomentAccumulator(dimension);
        for (int i = 0; i < rows; i++)
        {
            var indices = new List<int>();
            var values = new List<float>();
            for (int j = 0; j < dimension; j++)
                if (data[i * dimension + j] != 0) { indices.Add(j); values.Add(data[i * dimension + j]); }
            Assert.AreEqual(-1, sparse.AddSparseRow(indices.ToArray(), values.ToArray()));
            if (i % 2 == 0) mixed.AddSparseRow(indices.ToArray(), values.ToArray());
            else mixed.AddRows(data.AsSpan(i * dimension, dimension), 1);
        }
        Assert.AreEqual(rows, sparse.RowCount);
        AssertSame(dense, sparse, FloatPrecision);
        AssertSame(dense, mixed, FloatPrecision);
        AssertMoments(data, rows, dimension, sparse, FloatPrecision);
    }

    [TestMethod]
    public void LargeMeanSmallSpreadIsExactToFloatPrecision()
    {
        // Mean 1e4 and standard deviation 1e-2: the naive sum-of-squares formula would lose every digit.
        // 11 slots: the vector path (8) and the scalar tail (3).
        const int rows = 1000, dimension = 11;
        var random = new Random(3);
        float[] data = new float[rows * dimension];
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(1e4 + 1e-2 * Gaussian(random));
        var accumulator = new MomentAccumulator(dimension);
        accumulator.AddRows(data.AsSpan(0, 500 * dimension), 500);
        for (int i = 500; i < rows; i++) accumulator.AddRows(data.AsSpan(i * dimension, dimension), 1);
        var (mean, variance) = TwoPass(data, rows, dimension);
        double[] gotMean = new double[dimension], gotVariance = new double[dimension];
        accumulator.GetMean(gotMean);
        accumulator.GetVariance(gotVariance, unbiased: false);
        for (int j = 0; j < dimension; j++)
        {
            // Half an ulp of 1e4 in float for the mean, one float ulp (relative) for the variance.
            Assert.AreEqual(mean[j], gotMean[j], 0.5 * (MathF.BitIncrement(1e4f) - 1e4f), $"mean[{j}]");
            Assert.AreEqual(variance[j], gotVariance[j], variance[j] / (1 << 23), $"variance[{j}]");
            Assert.AreEqual(1e-4, variance[j], 2e-5, "the data has the intended spread");
        }
    }

    [TestMethod]
    public void NonFiniteValueReturnsItsOffsetAndAddsNothing()
    {
        const int dimension = 4;
        var accumulator = new MomentAccumulator(dimension);
        float[] good = Data(new Random(1), 3, dimension, 0f, 1f);
        accumulator.AddRows(good, 3);
        double[] before = new double[dimension], after = new double[dimension];
        accumulator.GetVariance(before, unbiased: true);

        float[] bad = Data(new Random(2), 20, dimension, 0f, 1f);
        bad[13] = float.NaN;
        bad[17] = float.PositiveInfinity;
        Assert.AreEqual(13, accumulator.AddRows(bad, 20));
        bad[13] = 1f;
        Assert.AreEqual(17, accumulator.AddRows(bad, 20));
        Assert.AreEqual(1, accumulator.AddSparseRow([0, 2], [1f, float.NegativeInfinity]));
        Assert.AreEqual(3, accumulator.RowCount);
        accumulator.GetVariance(after, unbiased: true);
        CollectionAssert.AreEqual(before, after);
    }

    [TestMethod]
    public void InvalidArgumentsAndStatesThrow()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MomentAccumulator(0));
        var accumulator = new MomentAccumulator(3);
        Assert.ThrowsExactly<InvalidOperationException>(() => accumulator.GetMean(new double[3]));
        Assert.AreEqual("rows", Assert.ThrowsExactly<ArgumentException>(() => accumulator.AddRows(new float[5], 2)).ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => accumulator.AddSparseRow([3], [1f]));
        Assert.ThrowsExactly<ArgumentException>(() => accumulator.AddSparseRow([1, 1], [1f, 2f]));
        Assert.ThrowsExactly<ArgumentException>(() => accumulator.AddSparseRow([0], [1f, 2f]));
        Assert.ThrowsExactly<ArgumentException>(() => accumulator.Merge(new MomentAccumulator(4)));
        accumulator.AddRows([1f, 2f, 3f], 1);
        Assert.ThrowsExactly<InvalidOperationException>(() => accumulator.GetVariance(new double[3], unbiased: true));
        double[] variance = new double[3];
        accumulator.GetVariance(variance, unbiased: false);
        CollectionAssert.AreEqual(new double[3], variance);
        Assert.ThrowsExactly<ArgumentException>(() => accumulator.GetMean(new double[2]));
    }

    private static void AssertMoments(float[] data, int rows, int dimension, MomentAccumulator accumulator, double relative)
    {
        var (mean, variance) = TwoPass(data, rows, dimension);
        double[] gotMean = new double[dimension], biased = new double[dimension], unbiased = new double[dimension];
        accumulator.GetMean(gotMean);
        accumulator.GetVariance(biased, unbiased: false);
        if (rows > 1) accumulator.GetVariance(unbiased, unbiased: true);
        for (int j = 0; j < dimension; j++)
        {
            Assert.AreEqual(mean[j], gotMean[j], relative * (Math.Abs(mean[j]) + Math.Sqrt(variance[j])) + 1e-300, $"mean[{j}]");
            Assert.AreEqual(variance[j], biased[j], relative * variance[j] + 1e-300, $"variance[{j}]");
            if (rows > 1)
                Assert.AreEqual(variance[j] * rows / (rows - 1), unbiased[j], relative * variance[j] * 2 + 1e-300, $"unbiased[{j}]");
        }
    }

    private static void AssertSame(MomentAccumulator expected, MomentAccumulator actual, double relative)
    {
        int d = expected.Dimension;
        double[] m1 = new double[d], m2 = new double[d], v1 = new double[d], v2 = new double[d];
        expected.GetMean(m1); actual.GetMean(m2);
        expected.GetVariance(v1, false); actual.GetVariance(v2, false);
        for (int j = 0; j < d; j++)
        {
            Assert.AreEqual(m1[j], m2[j], relative * (Math.Abs(m1[j]) + Math.Sqrt(v1[j])) + 1e-300, $"mean[{j}]");
            Assert.AreEqual(v1[j], v2[j], relative * v1[j] + 1e-300, $"variance[{j}]");
        }
    }

    private static (double[] Mean, double[] Variance) TwoPass(float[] data, int rows, int dimension) =>
        BatchNormReference.Moments(BatchNormReference.ToDouble(data), rows, dimension);

    private static float[] Data(Random random, int rows, int dimension, float offset, float spread)
    {
        var data = new float[rows * dimension];
        for (int i = 0; i < data.Length; i++) data[i] = offset * (1 + i % dimension) + spread * (float)Gaussian(random);
        return data;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
