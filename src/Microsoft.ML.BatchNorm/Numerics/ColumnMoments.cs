using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Per-column mean and centred sum of squares (M2) of a row-major float block, accumulated in double.
/// Shared by <see cref="BatchNormKernels"/> (batch statistics) and <see cref="MomentAccumulator"/> (dense rows).
/// </summary>
/// <remarks>
/// Rows are taken <see cref="BlockRows"/> at a time. Within a block each column gets a float two-pass: the block
/// mean, then the sums of (x - blockMean) and of its square; the block's M2 is corrected with the first sum
/// (the "corrected two-pass" of Chan, Golub and LeVeque 1983), so the result is centred even when the mean is
/// large compared with the spread. Blocks are merged into the double accumulators with Chan et al.'s pairwise
/// formula. The loops stream row after row (rows are contiguous in d) into d-length float accumulators that stay
/// in L1, and the second pass rereads the block from cache, so x is read from memory once and in order: walking
/// the block column-wise instead (accumulators in registers) measured twice as slow at 60000 x 784, the 16
/// concurrent row streams defeating the hardware prefetcher. Vector256 measured as fast as Vector512 here.
/// The loops are AggressiveOptimization: tier-0 code of Vector256 operations is several times slower, and
/// the first calls (one prediction, a short benchmark) should not pay for it.
/// </remarks>
internal static unsafe class ColumnMoments
{
    /// <summary>Rows per float block: small enough that float sums of 16 terms lose nothing measurable, and
    /// that the block (16 rows) stays in L2 for its second pass.</summary>
    internal const int BlockRows = 16;

    // Float scratch up to this many elements lives on the stack (3 * d for d <= 2730), beyond it in ArrayPool.
    private const int StackFloats = 8192;

    private static int Width => Vector256<float>.Count;

    /// <summary>
    /// Writes <paramref name="mean"/>[j] and <paramref name="m2"/>[j] = sum over rows of (x[i, j] - mean[j])^2 for
    /// the <paramref name="rows"/> x <paramref name="d"/> row-major block at <paramref name="x"/> (row stride d).
    /// Both outputs have length d and are overwritten. rows &gt;= 1; no validation (callers check sizes).
    /// Non-finite inputs give non-finite outputs in their columns. Thread-safe (scratch is per call).
    /// </summary>
    public static void Compute(float* x, int rows, int d, double* mean, double* m2)
    {
        int length = 3 * d;
        using var scratch = new ScratchSpan<float>(length <= StackFloats ? stackalloc float[length] : default, length);
        fixed (float* s = scratch.Span)
            Compute(x, rows, d, mean, m2, s, s + d, s + 2 * d);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute(float* x, int rows, int d, double* mean, double* m2, float* blockMean, float* s1,
        float* s2)
    {
        new Span<double>(mean, d).Clear();
        new Span<double>(m2, d).Clear();
        int done = 0;
        for (int i0 = 0; i0 < rows; i0 += BlockRows)
        {
            int nb = Math.Min(BlockRows, rows - i0);
            float* block = x + (long)i0 * d;
            SumRows(block, nb, d, blockMean);
            ScaleInPlace(blockMean, d, 1f / nb);
            CentredSums(block, nb, d, blockMean, s1, s2);
            double total = done + nb;
            // Chan et al.: mean += delta * nB / n; M2 += M2_B + delta^2 * nA * nB / n.
            var w = new MergeWeights(1.0 / nb, nb / total, (double)done * nb / total);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= d - Width; j += Width)
                    MergeVector(Vector256.Load(blockMean + j), Vector256.Load(s1 + j), Vector256.Load(s2 + j),
                        mean + j, m2 + j, w);
            }
            for (; j < d; j++)
            {
                double c = s1[j] * w.InverseBlockCount;
                double delta = blockMean[j] + c - mean[j];
                mean[j] += delta * w.MeanWeight;
                m2[j] += s2[j] - s1[j] * c + delta * delta * w.CrossWeight;
            }
            done += nb;
        }
    }

    // sum[j] = sum over the nb rows of x[r, j]. This pass reads from memory: one row at a time keeps it a single
    // sequential stream (several rows at once measured slower from DRAM, though cheaper in cache).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumRows(float* x, int nb, int d, float* sum)
    {
        new Span<float>(sum, d).Clear();
        for (int r = 0; r < nb; r++)
        {
            float* row = x + (long)r * d;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= d - Width; j += Width)
                    Vector256.Store(Vector256.Load(sum + j) + Vector256.Load(row + j), sum + j);
            }
            for (; j < d; j++) sum[j] += row[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleInPlace(float* v, int d, float factor)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= d - Width; j += Width)
                Vector256.Store(Vector256.Load(v + j) * factor, v + j);
        }
        for (; j < d; j++) v[j] *= factor;
    }

    // s1[j] = sum (x[r, j] - centre[j]), s2[j] = sum (x[r, j] - centre[j])^2 over the nb rows; four rows per update.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CentredSums(float* x, int nb, int d, float* centre, float* s1, float* s2)
    {
        new Span<float>(s1, d).Clear();
        new Span<float>(s2, d).Clear();
        int r = 0;
        for (; r <= nb - 4; r += 4)
        {
            float* r0 = x + (long)r * d, r1 = r0 + d, r2 = r1 + d, r3 = r2 + d;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= d - Width; j += Width)
                {
                    Vector256<float> c = Vector256.Load(centre + j);
                    Vector256<float> t0 = Vector256.Load(r0 + j) - c, t1 = Vector256.Load(r1 + j) - c;
                    Vector256<float> t2 = Vector256.Load(r2 + j) - c, t3 = Vector256.Load(r3 + j) - c;
                    Vector256.Store(Vector256.Load(s1 + j) + ((t0 + t1) + (t2 + t3)), s1 + j);
                    Vector256<float> q = Vector256.FusedMultiplyAdd(t1, t1, t0 * t0);
                    q = Vector256.FusedMultiplyAdd(t2, t2, q);
                    q = Vector256.FusedMultiplyAdd(t3, t3, q);
                    Vector256.Store(Vector256.Load(s2 + j) + q, s2 + j);
                }
            }
            for (; j < d; j++)
            {
                float t0 = r0[j] - centre[j], t1 = r1[j] - centre[j], t2 = r2[j] - centre[j], t3 = r3[j] - centre[j];
                s1[j] += (t0 + t1) + (t2 + t3);
                s2[j] += MathF.FusedMultiplyAdd(t3, t3, MathF.FusedMultiplyAdd(t2, t2, MathF.FusedMultiplyAdd(t1, t1, t0 * t0)));
            }
        }
        for (; r < nb; r++)
        {
            float* row = x + (long)r * d;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= d - Width; j += Width)
                {
                    Vector256<float> t = Vector256.Load(row + j) - Vector256.Load(centre + j);
                    Vector256.Store(Vector256.Load(s1 + j) + t, s1 + j);
                    Vector256.Store(Vector256.FusedMultiplyAdd(t, t, Vector256.Load(s2 + j)), s2 + j);
                }
            }
            for (; j < d; j++)
            {
                float t = row[j] - centre[j];
                s1[j] += t;
                s2[j] = MathF.FusedMultiplyAdd(t, t, s2[j]);
            }
        }
    }

    /// <summary>
    /// Chan et al.'s merge of group B (count nB, mean, M2) into group A in place:
    /// delta = meanB - meanA; meanA += delta * nB / n; M2A += M2B + delta^2 * nA * nB / n, with n = nA + nB.
    /// </summary>
    public static void Merge(ref double countA, ref double meanA, ref double m2A, double countB, double meanB,
        double m2B)
    {
        if (countB == 0) return;
        double n = countA + countB;
        double delta = meanB - meanA;
        meanA += delta * (countB / n);
        m2A += m2B + delta * delta * (countA * countB / n);
        countA = n;
    }

    private readonly struct MergeWeights(double inverseBlockCount, double meanWeight, double crossWeight)
    {
        public readonly double InverseBlockCount = inverseBlockCount;
        public readonly double MeanWeight = meanWeight;
        public readonly double CrossWeight = crossWeight;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MergeVector(Vector256<float> blockMean, Vector256<float> s1, Vector256<float> s2,
        double* mean, double* m2, in MergeWeights w)
    {
        var (meanLo, meanHi) = Vector256.Widen(blockMean);
        var (s1Lo, s1Hi) = Vector256.Widen(s1);
        var (s2Lo, s2Hi) = Vector256.Widen(s2);
        MergeHalf(meanLo, s1Lo, s2Lo, mean, m2, w);
        MergeHalf(meanHi, s1Hi, s2Hi, mean + Vector256<double>.Count, m2 + Vector256<double>.Count, w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MergeHalf(Vector256<double> blockMean, Vector256<double> s1, Vector256<double> s2,
        double* mean, double* m2, in MergeWeights w)
    {
        // Corrected two-pass: the exact block mean and M2 from sums centred on the float block mean.
        Vector256<double> c = s1 * w.InverseBlockCount;
        Vector256<double> meanB = blockMean + c;
        Vector256<double> m2B = s2 - s1 * c;
        Vector256<double> meanA = Vector256.Load(mean);
        Vector256<double> delta = meanB - meanA;
        Vector256.Store(meanA + delta * w.MeanWeight, mean);
        Vector256.Store(Vector256.Load(m2) + m2B + delta * delta * w.CrossWeight, m2);
    }
}
