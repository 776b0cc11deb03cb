namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>Single-precision general matrix multiply on row-major spans.</summary>
internal static class Sgemm
{
    /// <summary>
    /// C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C, all row-major. op(A) is A (stored m x k, row stride
    /// <paramref name="lda"/> &gt;= k) or A^T (stored k x m, lda &gt;= m); likewise B with <paramref name="ldb"/>.
    /// beta == 0 overwrites C, ignoring its old contents (NaN included).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or a stride is smaller than its row.</exception>
    /// <exception cref="ArgumentException">A span is too short for the sizes and strides given.</exception>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Validate(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        // Straightforward reference order (i, p, j): contiguous over j for the non-transposed B.
        for (int i = 0; i < m; i++)
        {
            Span<float> cRow = c.Slice(i * ldc, n);
            if (beta == 0f) cRow.Clear();
            else if (beta != 1f) for (int j = 0; j < n; j++) cRow[j] *= beta;
            for (int p = 0; p < k; p++)
            {
                float aip = alpha * (transposeA ? a[p * lda + i] : a[i * lda + p]);
                if (aip == 0f) continue;
                for (int j = 0; j < n; j++)
                    cRow[j] += aip * (transposeB ? b[j * ldb + p] : b[p * ldb + j]);
            }
        }
    }

    internal static void Validate(bool transposeA, bool transposeB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int aRows = transposeA ? k : m, aCols = transposeA ? m : k;
        int bRows = transposeB ? n : k, bCols = transposeB ? k : n;
        ArgumentOutOfRangeException.ThrowIfLessThan(lda, Math.Max(1, aCols));
        ArgumentOutOfRangeException.ThrowIfLessThan(ldb, Math.Max(1, bCols));
        ArgumentOutOfRangeException.ThrowIfLessThan(ldc, Math.Max(1, n));
        if (aRows > 0 && aCols > 0 && (long)(aRows - 1) * lda + aCols > aLength)
            throw new ArgumentException($"A needs {(long)(aRows - 1) * lda + aCols} elements for {aRows} x {aCols} with stride {lda}; it has {aLength}.", "a");
        if (bRows > 0 && bCols > 0 && (long)(bRows - 1) * ldb + bCols > bLength)
            throw new ArgumentException($"B needs {(long)(bRows - 1) * ldb + bCols} elements for {bRows} x {bCols} with stride {ldb}; it has {bLength}.", "b");
        if (m > 0 && n > 0 && (long)(m - 1) * ldc + n > cLength)
            throw new ArgumentException($"C needs {(long)(m - 1) * ldc + n} elements for {m} x {n} with stride {ldc}; it has {cLength}.", "c");
    }
}
