namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Single-precision general matrix multiply on row-major spans: cache-blocked, with packed operands and a
/// register-blocked SIMD micro-kernel (Goto and van de Geijn 2008, "Anatomy of high-performance matrix
/// multiplication"), split over the cores when the product is large enough to pay for it.
/// </summary>
internal static unsafe partial class Sgemm
{
    // Work (2mnk flops) each thread must get before the product is split. Measured on the 2-core Zen 4, splitting
    // in two: 0.5 Mflop (5 us) gains nothing, 1 Mflop gains 10-20% and 2 Mflop 35% (19 -> 12 us), since waking a
    // pool thread costs a few microseconds.
    private const double MinFlopsPerThread = 5e5;

    /// <summary>
    /// C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C, all row-major. op(A) is A (stored m x k, row stride
    /// <paramref name="lda"/> &gt;= k) or A^T (stored k x m, lda &gt;= m); likewise B with <paramref name="ldb"/>.
    /// beta == 0 overwrites C, ignoring its old contents (NaN included); alpha == 0 or k == 0 leaves C = beta * C
    /// without reading A or B. C must not overlap A or B.
    /// </summary>
    /// <remarks>
    /// The result does not depend on the number of threads: every element of C is computed by one thread, which
    /// splits the k products into equal blocks of at most 256, sums each block in increasing order with one fused
    /// multiply-add per product, and adds the block sums to C in order. alpha multiplies A's elements before the
    /// products. No call allocates after the first on its thread (packing buffers and the split's bookkeeping are kept
    /// per thread); split calls run on <see cref="WorkerPool.Shared"/>.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or a stride is smaller than its row.</exception>
    /// <exception cref="ArgumentException">A span is too short for the sizes and strides given.</exception>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        Multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, SgemmKernels.Best,
            Environment.ProcessorCount);

    /// <summary>
    /// <see cref="Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// with a chosen micro-kernel and at most <paramref name="maxThreads"/> threads (tests run every kernel and
    /// compare thread counts).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">As the public overload; or maxThreads &lt; 1.</exception>
    /// <exception cref="ArgumentException">As the public overload; or the kernel is not supported here.</exception>
    internal static void Multiply(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        SgemmKernel kernel, int maxThreads)
    {
        Validate(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        if (!kernel.IsSupported)
            throw new ArgumentException($"The GEMM kernel {kernel.Name} is not supported on this machine.", nameof(kernel));
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            Scale(m, n, beta, c, ldc);
            return;
        }

        fixed (float* pa = a, pb = b, pc = c)
        {
            var op = new Operands(transposeA, transposeB, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, kernel);
            double flops = 2.0 * m * n * k;
            int parts = (int)Math.Min(maxThreads, Math.Max(1.0, flops / MinFlopsPerThread));
            if (parts == 1)
                MultiplyBlock(op, 0, m, 0, n);
            else
                MultiplyInParallel(op, m, n, parts);
        }
    }

    // Splits C into `parts` bands along its longer side (bands of whole tiles): a band of rows packs all of B again,
    // a band of columns all of A, so cutting the longer side repeats the smaller copy.
    private static void MultiplyInParallel(Operands op, int m, int n, int parts)
    {
        bool byRows = m >= n;
        int length = byRows ? m : n, unit = byRows ? op.Kernel.Mr : op.Kernel.Nr;
        int band = ((length + parts - 1) / parts + unit - 1) / unit * unit;
        parts = (length + band - 1) / band;
        if (parts <= 1)
        {
            MultiplyBlock(op, 0, m, 0, n);
            return;
        }

        BandJob job = t_bandJob ??= new BandJob();
        job.Set(op, byRows, band, length, m, n);
        try
        {
            WorkerPool.Shared.Run(job, parts);
        }
        finally
        {
            job.Set(default, false, 0, 0, 0, 0); // no stale pointers kept past the caller's fixed scope
        }
    }

    // One band of C per part. Kept per thread and reused, so a split call allocates nothing.
    [ThreadStatic] private static BandJob? t_bandJob;

    private sealed class BandJob : ParallelJob
    {
        private Operands _op;
        private bool _byRows;
        private int _band, _length, _m, _n;

        public void Set(Operands op, bool byRows, int band, int length, int m, int n) =>
            (_op, _byRows, _band, _length, _m, _n) = (op, byRows, band, length, m, n);

        public override void RunPart(int part)
        {
            int start = part * _band, end = Math.Min(_length, start + _band);
            if (_byRows) MultiplyBlock(_op, start, end, 0, _n);
            else MultiplyBlock(_op, 0, _m, start, end);
        }
    }

    // C = beta * C, with beta == 0 writing zeros whatever C held.
    private static void Scale(int m, int n, float beta, Span<float> c, int ldc)
    {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * ldc, n);
            if (beta == 0f) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
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
