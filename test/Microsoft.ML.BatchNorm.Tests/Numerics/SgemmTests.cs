using System.Runtime.Intrinsics.X86;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

[TestClass]
public sealed class SgemmTests
{
    private static readonly int[] OddSizes = [1, 7, 33, 257];

    // One multiplication problem: op(A) is m x k, op(B) is k x n, each stored with a row stride possibly larger
    // than its row, and C has stride ldc >= n; everything filled with values in [-1, 1).
    private sealed class Problem
    {
        public Problem(bool transposeA, bool transposeB, int m, int n, int k, int extraStride, int seed)
        {
            (TransposeA, TransposeB, M, N, K) = (transposeA, transposeB, m, n, k);
            var random = new Random(seed);
            int aRows = transposeA ? k : m, aCols = transposeA ? m : k;
            int bRows = transposeB ? n : k, bCols = transposeB ? k : n;
            Lda = aCols + extraStride;
            Ldb = bCols + extraStride;
            Ldc = n + extraStride;
            A = Fill(random, Math.Max(0, (aRows - 1) * Lda + aCols));
            B = Fill(random, Math.Max(0, (bRows - 1) * Ldb + bCols));
            C0 = Fill(random, Math.Max(0, (m - 1) * Ldc + n));
        }

        public bool TransposeA { get; }
        public bool TransposeB { get; }
        public int M { get; }
        public int N { get; }
        public int K { get; }
        public int Lda { get; }
        public int Ldb { get; }
        public int Ldc { get; }
        public float[] A { get; }
        public float[] B { get; }
        public float[] C0 { get; }

        public float OpA(int i, int p) => TransposeA ? A[p * Lda + i] : A[i * Lda + p];

        public float OpB(int p, int j) => TransposeB ? B[j * Ldb + p] : B[p * Ldb + j];

        public override string ToString() =>
            $"{(TransposeA ? "A^T" : "A")}*{(TransposeB ? "B^T" : "B")} m={M} n={N} k={K} lda={Lda} ldb={Ldb} ldc={Ldc}";

        public float[] Run(float alpha, float beta, SgemmKernel kernel, int threads, float[]? c = null)
        {
            c ??= (float[])C0.Clone();
            Sgemm.Multiply(TransposeA, TransposeB, M, N, K, alpha, A, Lda, B, Ldb, beta, c, Ldc, kernel, threads);
            return c;
        }

        // Compares c with alpha * op(A) * op(B) + beta * C0 computed in double. The tolerance is the classic
        // forward error bound of a k-term float dot product, (k + 2) * u * (|alpha| sum |a b| + |beta c0|),
        // with u = 2^-24: a wrong element, index or transpose misses by the size of the terms themselves.
        // Elements of the row padding (j >= n) must keep C0's value.
        public void Check(float[] c, float alpha, float beta, string what)
        {
            const double u = 1.0 / (1 << 24);
            for (int i = 0; i < M; i++)
            {
                for (int j = 0; j < N; j++)
                {
                    double sum = 0, magnitude = 0;
                    for (int p = 0; p < K; p++)
                    {
                        double term = (double)OpA(i, p) * OpB(p, j);
                        sum += term;
                        magnitude += Math.Abs(term);
                    }
                    double old = beta == 0f ? 0 : (double)beta * C0[i * Ldc + j];
                    double expected = alpha * sum + old;
                    double bound = (K + 2) * u * (Math.Abs(alpha) * magnitude + Math.Abs(old)) + 1e-30;
                    float actual = c[i * Ldc + j];
                    if (!(Math.Abs(actual - expected) <= bound))
                        Assert.Fail($"{what} {this} alpha={alpha} beta={beta}: C[{i},{j}] = {actual}, expected {expected} +- {bound}");
                }
                for (int j = N; j < Ldc && i * Ldc + j < c.Length; j++)
                    Assert.AreEqual(C0[i * Ldc + j], c[i * Ldc + j], $"{what} {this}: padding C[{i},{j}] was written");
            }
        }
    }

    private static float[] Fill(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    public static IEnumerable<object[]> Transposes =>
    [
        [false, false], [false, true], [true, false], [true, true],
    ];

    [TestMethod]
    public void EveryKernelTheHardwareRunsIsOffered()
    {
        Assert.AreEqual(Avx512F.IsSupported, SgemmKernels.Avx512Kernel.IsSupported);
        Assert.AreEqual(Avx2.IsSupported && Fma.IsSupported, SgemmKernels.Avx2Kernel.IsSupported);
        Assert.IsTrue(SgemmKernels.PortableKernel.IsSupported);
        int expected = 1 + (Avx512F.IsSupported ? 1 : 0) + (Avx2.IsSupported && Fma.IsSupported ? 1 : 0);
        Assert.HasCount(expected, SgemmKernels.Supported);
        Assert.AreEqual(SgemmKernels.Supported[0].Name, SgemmKernels.Best.Name, "the first supported kernel is the fastest");
    }

    [TestMethod]
    [DynamicData(nameof(Transposes))]
    public void OddSizesMatchDoubleReferenceWithEveryKernel(bool transposeA, bool transposeB)
    {
        int seed = 1;
        foreach (int m in OddSizes)
            foreach (int n in OddSizes)
                foreach (int k in OddSizes)
                {
                    if ((long)m * n * k > 257L * 257 * 33) continue; // 257^3 has its own test: keeps this one fast
                    var problem = new Problem(transposeA, transposeB, m, n, k, extraStride: 0, seed++);
                    foreach (SgemmKernel kernel in SgemmKernels.Supported)
                        problem.Check(problem.Run(1f, 0f, kernel, threads: 1), 1f, 0f, kernel.Name);
                }
    }

    [TestMethod]
    [DynamicData(nameof(Transposes))]
    public void LargeOddCubeMatchesDoubleReference(bool transposeA, bool transposeB)
    {
        var problem = new Problem(transposeA, transposeB, 257, 257, 257, extraStride: 0, seed: 5);
        problem.Check(problem.Run(1f, 0f, SgemmKernels.Best, threads: 2), 1f, 0f, SgemmKernels.Best.Name);
    }

    [TestMethod]
    [DynamicData(nameof(Transposes))]
    public void AlphaBetaAndWideStridesWithEveryKernel(bool transposeA, bool transposeB)
    {
        (float Alpha, float Beta)[] coefficients = [(1f, 1f), (-0.5f, 2f), (2.5f, -1.5f), (1f, 0f), (0.25f, 0f)];
        int seed = 100;
        foreach ((int m, int n, int k) in new[] { (7, 33, 257), (33, 7, 1), (257, 33, 7), (9, 17, 300) })
        {
            var problem = new Problem(transposeA, transposeB, m, n, k, extraStride: 5, seed++);
            foreach (SgemmKernel kernel in SgemmKernels.Supported)
                foreach ((float alpha, float beta) in coefficients)
                    problem.Check(problem.Run(alpha, beta, kernel, threads: 1), alpha, beta, kernel.Name);
        }
    }

    [TestMethod]
    public void NetworkShapesMatchDoubleReference()
    {
        // The MLP 784 -> 256 -> 128 -> 10 at batch 32: forward X * W^T, weight gradient dY^T * X, input gradient
        // dY * W; k = 784 spans several kc blocks, m = 32 exercises the in-place B path.
        (bool TransposeA, bool TransposeB, int M, int N, int K)[] shapes =
        [
            (false, true, 32, 256, 784), (true, false, 256, 784, 32), (false, false, 32, 784, 256),
            (false, true, 32, 10, 128), (true, false, 10, 128, 32), (false, false, 32, 128, 10),
        ];
        int seed = 200;
        foreach (var s in shapes)
        {
            var problem = new Problem(s.TransposeA, s.TransposeB, s.M, s.N, s.K, extraStride: 0, seed++);
            problem.Check(problem.Run(1f, 0f, SgemmKernels.Best, threads: 2), 1f, 0f, "best");
            // Accumulating into C (beta = 1) is how gradients add up over layers.
            problem.Check(problem.Run(1f, 1f, SgemmKernels.Best, threads: 2), 1f, 1f, "best");
        }
    }

    [TestMethod]
    public void BetaZeroIgnoresNaNAndInfinityInC()
    {
        foreach (SgemmKernel kernel in SgemmKernels.Supported)
        {
            foreach ((int m, int n, int k) in new[] { (33, 7, 257), (8, 16, 4), (1, 1, 1) })
            {
                var problem = new Problem(false, false, m, n, k, extraStride: 0, seed: m + n + k);
                var c = new float[problem.C0.Length];
                for (int i = 0; i < c.Length; i++) c[i] = i % 2 == 0 ? float.NaN : float.PositiveInfinity;
                problem.Run(1.5f, 0f, kernel, threads: 1, c);
                problem.Check(c, 1.5f, 0f, kernel.Name);
            }
        }
    }

    [TestMethod]
    public void ResultDoesNotDependOnThreadCount()
    {
        // Split by rows (m >= n) and by columns (m < n); bitwise equality, not a tolerance.
        foreach ((bool ta, bool tb, int m, int n, int k) in new[] { (false, true, 300, 257, 300), (true, false, 33, 800, 257) })
        {
            var problem = new Problem(ta, tb, m, n, k, extraStride: 3, seed: 7);
            foreach (SgemmKernel kernel in SgemmKernels.Supported)
            {
                float[] one = problem.Run(0.5f, 1f, kernel, threads: 1);
                float[] two = problem.Run(0.5f, 1f, kernel, threads: 2);
                float[] four = problem.Run(0.5f, 1f, kernel, threads: 4);
                for (int i = 0; i < one.Length; i++)
                {
                    Assert.AreEqual(BitConverter.SingleToInt32Bits(one[i]), BitConverter.SingleToInt32Bits(two[i]), $"{kernel} {problem} element {i}, 1 vs 2 threads");
                    Assert.AreEqual(BitConverter.SingleToInt32Bits(one[i]), BitConverter.SingleToInt32Bits(four[i]), $"{kernel} {problem} element {i}, 1 vs 4 threads");
                }
                problem.Check(two, 0.5f, 1f, kernel.Name);
            }
        }
    }

    [TestMethod]
    public void SingleThreadedCallsAllocateNothingAfterWarmUp()
    {
        // The packing buffers are per thread and kept: a training loop's many small products make no garbage.
        var problem = new Problem(false, true, 33, 40, 300, extraStride: 0, seed: 11);
        float[] c = (float[])problem.C0.Clone();
        problem.Run(1f, 0f, SgemmKernels.Best, threads: 1, c);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) problem.Run(1f, 0f, SgemmKernels.Best, threads: 1, c);
        Assert.AreEqual(0L, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [TestMethod]
    public void SplitCallsAllocateNothingAfterWarmUp()
    {
        // Large enough to be split over two threads (2 * 96 * 200 * 300 flops): the split runs on the worker pool,
        // whose bookkeeping is kept per thread, so the training loop's split products make no garbage either.
        var problem = new Problem(false, false, 96, 200, 300, extraStride: 0, seed: 12);
        float[] c = (float[])problem.C0.Clone();
        AllocationAssert.NothingAfterWarmUp(() => problem.Run(1f, 0f, SgemmKernels.Best, threads: 2, c), 20, "split calls");
        problem.Check(c, 1f, 0f, "split");
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 33)]
    [DataRow(33, 7)]
    [DataRow(257, 257)]
    [DataRow(784, 256)]
    [DataRow(300, 129)]
    public void RowProductMatchesTheMatrixProductBitForBit(int k, int n)
    {
        // One row of x * B through MultiplyRow and through Multiply (as row 5 of a 9-row product): identical bits, so
        // the single-row prediction path agrees exactly with batch prediction.
        if (SgemmKernels.Best.Name == SgemmKernels.PortableKernel.Name) Assert.Inconclusive("Bit equality is guaranteed for the fused AVX kernels.");
        var problem = new Problem(false, false, 9, n, k, extraStride: 0, seed: k + n);
        float[] c = problem.Run(1f, 0f, SgemmKernels.Best, threads: 2);
        var y = new float[n + 3];
        y.AsSpan().Fill(float.NaN);
        Sgemm.MultiplyRow(problem.A.AsSpan(5 * k, k), k, problem.B, n, y);
        for (int j = 0; j < n; j++)
            Assert.AreEqual(BitConverter.SingleToInt32Bits(c[5 * n + j]), BitConverter.SingleToInt32Bits(y[j]), $"k={k} n={n} output {j}");
        Assert.IsTrue(float.IsNaN(y[n]), "nothing written past n");
    }

    [TestMethod]
    public void PublicOverloadMatchesReference()
    {
        var problem = new Problem(false, false, 33, 257, 7, extraStride: 2, seed: 9);
        float[] c = (float[])problem.C0.Clone();
        Sgemm.Multiply(false, false, 33, 257, 7, -1f, problem.A, problem.Lda, problem.B, problem.Ldb, 0.5f, c, problem.Ldc);
        problem.Check(c, -1f, 0.5f, "public");
    }

    [TestMethod]
    public void ZeroDepthOrZeroAlphaScalesCWithoutReadingAOrB()
    {
        float[] c = [1f, 2f, float.NaN, 4f];
        Sgemm.Multiply(false, false, 2, 2, 0, 1f, ReadOnlySpan<float>.Empty, 1, ReadOnlySpan<float>.Empty, 2, 3f, c, 2);
        Assert.AreEqual(3f, c[0]);
        Assert.AreEqual(6f, c[1]);
        Assert.IsTrue(float.IsNaN(c[2]), "beta != 0 keeps NaN: it scales C");
        Assert.AreEqual(12f, c[3]);

        float[] nanA = [float.NaN, float.NaN, float.NaN, float.NaN];
        float[] b = [1f, 2f, 3f, 4f];
        float[] c2 = [float.NaN, 1f, 2f, 3f];
        Sgemm.Multiply(false, false, 2, 2, 2, 0f, nanA, 2, b, 2, 0f, c2, 2);
        CollectionAssert.AreEqual(new float[4], c2, "alpha = 0, beta = 0 gives zeros");
    }

    [TestMethod]
    public void EmptyProductsLeaveCUntouched()
    {
        float[] c = [5f, 6f];
        Sgemm.Multiply(false, false, 0, 2, 3, 1f, ReadOnlySpan<float>.Empty, 3, new float[6], 2, 0f, c, 2);
        Sgemm.Multiply(false, false, 1, 0, 3, 1f, new float[3], 3, ReadOnlySpan<float>.Empty, 1, 0f, c, 1);
        CollectionAssert.AreEqual(new[] { 5f, 6f }, c);
    }

    [TestMethod]
    public void BadArgumentsThrow()
    {
        float[] a = new float[6], b = new float[6], c = new float[4];
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 2, -1, 3, 1f, a, 3, b, 2, 0f, c, 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 2, 2, -3, 1f, a, 3, b, 2, 0f, c, 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2), "lda < k");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Sgemm.Multiply(true, false, 2, 2, 3, 1f, a, 1, b, 2, 0f, c, 2), "lda < m for A^T");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, true, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2), "ldb < k for B^T");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 1), "ldc < n");
        var shortA = Assert.ThrowsExactly<ArgumentException>(() => Sgemm.Multiply(false, false, 2, 2, 3, 1f, a.AsSpan(0, 5), 3, b, 2, 0f, c, 2));
        Assert.AreEqual("a", shortA.ParamName);
        var shortB = Assert.ThrowsExactly<ArgumentException>(() => Sgemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b.AsSpan(0, 5), 2, 0f, c, 2));
        Assert.AreEqual("b", shortB.ParamName);
        var shortC = Assert.ThrowsExactly<ArgumentException>(() => Sgemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c.AsSpan(0, 3), 2));
        Assert.AreEqual("c", shortC.ParamName);
        // A stride wider than the row needs (rows - 1) * stride + cols elements: 1 * 4 + 3 = 7 > 6.
        Assert.ThrowsExactly<ArgumentException>(() => Sgemm.Multiply(false, false, 2, 2, 3, 1f, a, 4, b, 2, 0f, c, 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2, SgemmKernels.Best, maxThreads: 0));
    }
}
