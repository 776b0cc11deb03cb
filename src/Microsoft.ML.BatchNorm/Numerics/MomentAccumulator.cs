using System.Buffers;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Streaming per-slot mean and variance of float rows, in double, mergeable across partitions. Not thread-safe:
/// use one accumulator per thread and <see cref="Merge"/> them.
/// </summary>
/// <remarks>
/// Each slot keeps the count, mean and M2 (sum of squared deviations) of its explicit values. Dense rows are
/// processed per call as blocks with a two-pass (block mean, then centred sums; <see cref="ColumnMoments"/>) and
/// merged with Chan, Golub and LeVeque's pairwise formula (1979/1983), so a column whose mean is large compared
/// with its spread keeps full precision. Sparse rows update only their listed slots (Welford's update); the
/// implicit zeros of the rows that did not list a slot are merged in as one group when the moments are read, so
/// sparse and dense input of the same data give the same result (up to rounding).
/// </remarks>
internal sealed class MomentAccumulator
{
    private readonly double[] _count; // explicit values per slot (exact below 2^53)
    private readonly double[] _mean;
    private readonly double[] _m2;

    /// <summary>Creates an empty accumulator for rows of <paramref name="dimension"/> slots.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is below 1.</exception>
    public MomentAccumulator(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
        _count = new double[dimension];
        _mean = new double[dimension];
        _m2 = new double[dimension];
    }

    /// <summary>Slots per row.</summary>
    public int Dimension { get; }

    /// <summary>Rows added so far (dense and sparse, merged ones included).</summary>
    public long RowCount { get; private set; }

    /// <summary>
    /// Adds <paramref name="count"/> dense rows, row-major (<paramref name="rows"/>[i * Dimension + j]).
    /// </summary>
    /// <returns>-1 when added; otherwise the offset in <paramref name="rows"/> of the first non-finite value, and
    /// nothing of this call was added (the caller reports row = offset / Dimension, slot = offset % Dimension).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="rows"/>.Length is not count * Dimension.</exception>
    public unsafe int AddRows(ReadOnlySpan<float> rows, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int d = Dimension;
        if ((long)count * d != rows.Length)
            throw new ArgumentException($"rows has length {rows.Length}; expected count * Dimension = {(long)count * d}.", nameof(rows));
        if (count == 0) return -1;
        int bad = IndexOfNonFinite(rows);
        if (bad >= 0) return bad;

        double[] scratch = ArrayPool<double>.Shared.Rent(2 * d);
        try
        {
            fixed (float* px = rows)
            fixed (double* ps = scratch)
                ColumnMoments.Compute(px, count, d, ps, ps + d);
            for (int j = 0; j < d; j++)
                ColumnMoments.Merge(ref _count[j], ref _mean[j], ref _m2[j], count, scratch[j], scratch[d + j]);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scratch);
        }
        RowCount += count;
        return -1;
    }

    /// <summary>
    /// Adds one sparse row: <paramref name="values"/>[k] is slot <paramref name="indices"/>[k]; the slots not
    /// listed are zeros. Indices must be strictly increasing (as in ML.NET's VBuffer) and in [0, Dimension).
    /// </summary>
    /// <returns>-1 when added; otherwise the offset in <paramref name="values"/> of the first non-finite value,
    /// and nothing was added.</returns>
    /// <exception cref="ArgumentException">The spans' lengths differ or exceed Dimension, or the indices are not
    /// strictly increasing.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, Dimension).</exception>
    public int AddSparseRow(ReadOnlySpan<int> indices, ReadOnlySpan<float> values)
    {
        if (indices.Length != values.Length)
            throw new ArgumentException($"indices has {indices.Length} entries but values has {values.Length}.", nameof(values));
        if (indices.Length > Dimension)
            throw new ArgumentException($"A sparse row lists {indices.Length} slots; the dimension is {Dimension}.", nameof(indices));
        for (int k = 0; k < indices.Length; k++)
        {
            if ((uint)indices[k] >= (uint)Dimension)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[k], $"indices[{k}] is outside [0, {Dimension}).");
            if (k > 0 && indices[k] <= indices[k - 1])
                throw new ArgumentException($"indices must be strictly increasing: indices[{k - 1}] = {indices[k - 1]}, indices[{k}] = {indices[k]}.", nameof(indices));
        }
        int bad = IndexOfNonFinite(values);
        if (bad >= 0) return bad;
        for (int k = 0; k < indices.Length; k++)
        {
            // Welford's single-value update of the slot's explicit values.
            int j = indices[k];
            double v = values[k], c = ++_count[j], delta = v - _mean[j];
            _mean[j] += delta / c;
            _m2[j] += delta * (v - _mean[j]);
        }
        RowCount++;
        return -1;
    }

    /// <summary>Adds everything <paramref name="other"/> has accumulated (Chan et al.'s merge per slot).
    /// <paramref name="other"/> is not changed (unless it is this accumulator, which then counts everything twice).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    /// <exception cref="ArgumentException">The dimensions differ.</exception>
    public void Merge(MomentAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Dimension != Dimension)
            throw new ArgumentException($"Cannot merge dimension {other.Dimension} into dimension {Dimension}.", nameof(other));
        for (int j = 0; j < Dimension; j++)
            ColumnMoments.Merge(ref _count[j], ref _mean[j], ref _m2[j], other._count[j], other._mean[j], other._m2[j]);
        RowCount += other.RowCount;
    }

    /// <summary>Writes the per-slot mean over all <see cref="RowCount"/> rows (implicit sparse zeros included).</summary>
    /// <exception cref="ArgumentException"><paramref name="mean"/>.Length is not Dimension.</exception>
    /// <exception cref="InvalidOperationException">No rows were added.</exception>
    public void GetMean(Span<double> mean)
    {
        CheckOutput(mean.Length, nameof(mean), 1);
        for (int j = 0; j < Dimension; j++)
        {
            Totals(j, out double m, out _);
            mean[j] = m;
        }
    }

    /// <summary>
    /// Writes the per-slot variance: M2 / RowCount (population, biased) or M2 / (RowCount - 1) when
    /// <paramref name="unbiased"/>; implicit sparse zeros included.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="variance"/>.Length is not Dimension.</exception>
    /// <exception cref="InvalidOperationException">No rows were added, or only one and unbiased is asked.</exception>
    public void GetVariance(Span<double> variance, bool unbiased)
    {
        CheckOutput(variance.Length, nameof(variance), unbiased ? 2 : 1);
        double divisor = unbiased ? RowCount - 1 : RowCount;
        for (int j = 0; j < Dimension; j++)
        {
            Totals(j, out _, out double m2);
            variance[j] = Math.Max(0.0, m2) / divisor;
        }
    }

    // Slot j's explicit values merged with its implicit zeros (count RowCount - explicit, mean 0, M2 0).
    private void Totals(int j, out double mean, out double m2)
    {
        double explicitCount = _count[j], total = RowCount;
        mean = _mean[j];
        m2 = _m2[j];
        if (explicitCount == total) return;
        ColumnMoments.Merge(ref explicitCount, ref mean, ref m2, total - explicitCount, 0.0, 0.0);
    }

    private void CheckOutput(int length, string name, int minimumRows)
    {
        if (length != Dimension)
            throw new ArgumentException($"{name} has length {length}; expected Dimension = {Dimension}.", name);
        if (RowCount < minimumRows)
            throw new InvalidOperationException(minimumRows == 1
                ? "No rows were added: the moments are undefined."
                : $"The unbiased variance needs at least 2 rows; {RowCount} were added.");
    }

    // Offset of the first NaN or infinity, or -1; the vector loop only tests (x - x == 0, false for non-finite).
    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref start, (nuint)i);
                if (!Vector256.EqualsAll(v - v, Vector256<float>.Zero)) break;
            }
        }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}
