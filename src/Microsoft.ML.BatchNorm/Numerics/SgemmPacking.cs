using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous sliver layouts the <see cref="SgemmKernel"/> reads
/// (Goto and van de Geijn 2008, "Anatomy of high-performance matrix multiplication", section 6): the micro-kernel
/// then streams both operands with unit stride, and the zero padding of partial slivers lets it always compute
/// full tiles.
/// </summary>
internal static unsafe class SgemmPacking
{
    /// <summary>Floats a packed buffer needs past its end: transposed A packing stores 8 lanes even when mr &lt; 8.</summary>
    public const int Slack = 8;

    /// <summary>
    /// Packs alpha * op(A)[ic .. ic + mc, pc .. pc + kc] into ceil(mc / mr) slivers of kc x mr values:
    /// sliver s holds <c>dst[s * mr * kc + p * mr + r] = alpha * op(A)(ic + s * mr + r, pc + p)</c>, zero for
    /// rows at or past mc. op(A)(i, p) is <c>a[i * lda + p]</c>, or <c>a[p * lda + i]</c> when transposed.
    /// Requires mr &lt;= 8 and <see cref="Slack"/> writable floats after the packed block.
    /// </summary>
    public static void PackA(bool transposed, float* a, nint lda, int ic, int mc, int pc, int kc, float alpha, int mr,
        float* dst)
    {
        for (int s = 0; s < mc; s += mr, dst += (nint)mr * kc)
        {
            int rows = Math.Min(mr, mc - s);
            if (transposed) PackRowsOfTransposed(a + (nint)pc * lda + ic + s, lda, rows, kc, alpha, mr, dst);
            else PackRowsByTransposing(a + (ic + s) * lda + pc, lda, rows, kc, alpha, mr, dst);
        }
    }

    /// <summary>
    /// Packs op(B)[pc .. pc + kc, jc .. jc + nc] into ceil(nc / nr) slivers of kc x nr values: sliver t holds
    /// <c>dst[t * nr * kc + p * nr + q] = op(B)(pc + p, jc + t * nr + q)</c>, zero for columns at or past nc.
    /// op(B)(p, j) is <c>b[p * ldb + j]</c>, or <c>b[j * ldb + p]</c> when transposed. nr is a multiple of 8.
    /// </summary>
    public static void PackB(bool transposed, float* b, nint ldb, int pc, int kc, int jc, int nc, int nr, float* dst)
    {
        for (int t = 0; t < nc; t += nr, dst += (nint)nr * kc)
        {
            int cols = Math.Min(nr, nc - t);
            if (transposed) PackColumnsByTransposing(b + (jc + t) * ldb + pc, ldb, cols, kc, nr, dst);
            else PackRowsOfTransposed(b + (nint)pc * ldb + jc + t, ldb, cols, kc, 1f, nr, dst);
        }
    }

    // Source rows are indexed by p and hold the sliver's `count` values contiguously: a row copy each (plus padding).
    private static void PackRowsOfTransposed(float* src, nint lds, int count, int kc, float alpha, int width, float* dst)
    {
        for (int p = 0; p < kc; p++, src += lds, dst += width)
        {
            int q = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                if (alpha == 1f) for (; q + 8 <= count; q += 8) Vector256.Load(src + q).Store(dst + q);
                else for (; q + 8 <= count; q += 8) (Vector256.Load(src + q) * alpha).Store(dst + q);
            }
            for (; q < count; q++) dst[q] = alpha * src[q];
            for (; q < width; q++) dst[q] = 0f;
        }
    }

    // A not transposed: the sliver's `rows` source rows are contiguous in p; dst wants p-major groups of mr.
    private static void PackRowsByTransposing(float* src, nint lds, int rows, int kc, float alpha, int mr, float* dst)
    {
        int p = 0;
        if (Avx.IsSupported)
        {
            // 8 x 8 blocks: row r of the block is source row r (a zero vector past `rows`); the transposed row i
            // (8 lanes, the last 8 - mr of them zero) is stored at dst + (p + i) * mr. When mr < 8 these stores
            // overlap, and going in increasing order each one overwrites the previous one's zero lanes.
            for (; p + 8 <= kc; p += 8)
            {
                Vector256<float> r0 = LoadRow(src, lds, 0, rows, p, alpha), r1 = LoadRow(src, lds, 1, rows, p, alpha);
                Vector256<float> r2 = LoadRow(src, lds, 2, rows, p, alpha), r3 = LoadRow(src, lds, 3, rows, p, alpha);
                Vector256<float> r4 = LoadRow(src, lds, 4, rows, p, alpha), r5 = LoadRow(src, lds, 5, rows, p, alpha);
                Vector256<float> r6 = LoadRow(src, lds, 6, rows, p, alpha), r7 = LoadRow(src, lds, 7, rows, p, alpha);
                Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                float* d = dst + p * mr;
                r0.Store(d);
                r1.Store(d + mr);
                r2.Store(d + 2 * mr);
                r3.Store(d + 3 * mr);
                r4.Store(d + 4 * mr);
                r5.Store(d + 5 * mr);
                r6.Store(d + 6 * mr);
                r7.Store(d + 7 * mr);
            }
        }
        for (; p < kc; p++)
        {
            float* d = dst + p * mr;
            int r = 0;
            for (; r < rows; r++) d[r] = alpha * src[r * lds + p];
            for (; r < mr; r++) d[r] = 0f;
        }
    }

    // B transposed: the sliver's `cols` source rows are contiguous in p; dst wants p-major groups of nr.
    private static void PackColumnsByTransposing(float* src, nint lds, int cols, int kc, int nr, float* dst)
    {
        int p = 0;
        if (Avx.IsSupported)
        {
            for (; p + 8 <= kc; p += 8)
            {
                float* d = dst + p * nr;
                for (int q = 0; q < nr; q += 8)
                {
                    float* s = src + q * lds;
                    int n = cols - q;
                    Vector256<float> r0 = LoadRow(s, lds, 0, n, p, 1f), r1 = LoadRow(s, lds, 1, n, p, 1f);
                    Vector256<float> r2 = LoadRow(s, lds, 2, n, p, 1f), r3 = LoadRow(s, lds, 3, n, p, 1f);
                    Vector256<float> r4 = LoadRow(s, lds, 4, n, p, 1f), r5 = LoadRow(s, lds, 5, n, p, 1f);
                    Vector256<float> r6 = LoadRow(s, lds, 6, n, p, 1f), r7 = LoadRow(s, lds, 7, n, p, 1f);
                    Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                    r0.Store(d + q);
                    r1.Store(d + nr + q);
                    r2.Store(d + 2 * nr + q);
                    r3.Store(d + 3 * nr + q);
                    r4.Store(d + 4 * nr + q);
                    r5.Store(d + 5 * nr + q);
                    r6.Store(d + 6 * nr + q);
                    r7.Store(d + 7 * nr + q);
                }
            }
        }
        for (; p < kc; p++)
        {
            float* d = dst + p * nr;
            int q = 0;
            for (; q < cols; q++) d[q] = src[q * lds + p];
            for (; q < nr; q++) d[q] = 0f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LoadRow(float* src, nint lds, int row, int rows, int p, float alpha)
    {
        if (row >= rows) return Vector256<float>.Zero;
        Vector256<float> v = Vector256.Load(src + row * lds + p);
        return alpha == 1f ? v : v * alpha;
    }

    // The classic AVX 8 x 8 transpose: interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2,
        ref Vector256<float> r3, ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6,
        ref Vector256<float> r7)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(u0, u4, 0x20);
        r1 = Avx.Permute2x128(u1, u5, 0x20);
        r2 = Avx.Permute2x128(u2, u6, 0x20);
        r3 = Avx.Permute2x128(u3, u7, 0x20);
        r4 = Avx.Permute2x128(u0, u4, 0x31);
        r5 = Avx.Permute2x128(u1, u5, 0x31);
        r6 = Avx.Permute2x128(u2, u6, 0x31);
        r7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}
