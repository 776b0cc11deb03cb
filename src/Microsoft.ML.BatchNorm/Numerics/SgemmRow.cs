using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.BatchNorm.Numerics;

// The single-row product, for prediction of a few rows, where packing a weight matrix would cost more than using it.
internal static unsafe partial class Sgemm
{
    // Outputs per pass over k: 8 independent vector accumulators hide the fused multiply-add latency.
    private const int RowAccumulators = 8;

    /// <summary>
    /// y[0..n) = x[0..k) * B, B stored k x n row-major (stride n): one row of C = A * B. Bit for bit the row that
    /// <see cref="Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// computes with alpha = 1 and beta = 0 (same k blocks, each summed in increasing order with one fused
    /// multiply-add per product, block sums added in order) on the AVX-512 and AVX2 kernels, so that scoring one row
    /// alone or inside a batch gives the same numbers. Vectorized across the outputs: B is read once, row by row.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">k or n is negative.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its size.</exception>
    public static void MultiplyRow(ReadOnlySpan<float> x, int k, ReadOnlySpan<float> b, int n, Span<float> y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (x.Length < k) throw new ArgumentException($"x has {x.Length} elements; k is {k}.", nameof(x));
        if (b.Length < (long)k * n) throw new ArgumentException($"B has {b.Length} elements; {k} x {n} need {(long)k * n}.", nameof(b));
        if (y.Length < n) throw new ArgumentException($"y has {y.Length} elements; n is {n}.", nameof(y));
        if (n == 0) return;
        if (k == 0)
        {
            y[..n].Clear();
            return;
        }
        int kcStep = BlockSize(k, KcMax, 1);
        fixed (float* px = x, pb = b, py = y)
        {
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                RowBlock(px + pc, kc, pb + (nint)pc * n, n, py, first: pc == 0);
            }
        }
    }

    // y (+)= sum over p < kc of x[p] * b[p, :], the sum per output in increasing p with fused multiply-adds.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBlock(float* x, int kc, float* b, nint n, float* y, bool first)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            const int Width = RowAccumulators * 16;
            for (; j + Width <= n; j += Width)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector512<float> a4 = default, a5 = default, a6 = default, a7 = default;
                float* row = b + j;
                for (int p = 0; p < kc; p++, row += n)
                {
                    Vector512<float> xp = Vector512.Create(x[p]);
                    a0 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row), a0);
                    a1 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 16), a1);
                    a2 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 32), a2);
                    a3 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 48), a3);
                    a4 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 64), a4);
                    a5 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 80), a5);
                    a6 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 96), a6);
                    a7 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 112), a7);
                }
                StoreRow(a0, y + j, first);
                StoreRow(a1, y + j + 16, first);
                StoreRow(a2, y + j + 32, first);
                StoreRow(a3, y + j + 48, first);
                StoreRow(a4, y + j + 64, first);
                StoreRow(a5, y + j + 80, first);
                StoreRow(a6, y + j + 96, first);
                StoreRow(a7, y + j + 112, first);
            }
            for (; j + 16 <= n; j += 16)
            {
                Vector512<float> a = default;
                float* row = b + j;
                for (int p = 0; p < kc; p++, row += n)
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(x[p]), Vector512.Load(row), a);
                StoreRow(a, y + j, first);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= n; j += 8)
            {
                Vector256<float> a = default;
                float* row = b + j;
                for (int p = 0; p < kc; p++, row += n)
                    a = Vector256.FusedMultiplyAdd(Vector256.Create(x[p]), Vector256.Load(row), a);
                if (first) a.Store(y + j);
                else (Vector256.Load(y + j) + a).Store(y + j);
            }
        }
        // The last outputs one by one, with the same single-rounding fused multiply-add.
        for (; j < n; j++)
        {
            float a = 0f;
            float* row = b + j;
            for (int p = 0; p < kc; p++, row += n) a = MathF.FusedMultiplyAdd(x[p], *row, a);
            y[j] = first ? a : y[j] + a;
        }
    }

    private static void StoreRow(Vector512<float> sum, float* y, bool first)
    {
        if (first) sum.Store(y);
        else (Vector512.Load(y) + sum).Store(y);
    }
}
