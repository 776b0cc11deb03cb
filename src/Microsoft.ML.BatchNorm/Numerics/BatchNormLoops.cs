using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// The element loops behind <see cref="BatchNormKernels"/>: no validation, raw pointers (so that row chunks can
/// run on several threads), rows contiguous in d and vectorized across features with Vector256 (measured as fast
/// as Vector512 here: the large cases are memory-bound). The ReLU choice is a generic struct argument so the JIT
/// compiles a branch-free loop for each case. The loops are AggressiveOptimization (fully optimized from the
/// first call: tier-0 code of Vector256 operations is several times slower).
/// </summary>
internal static unsafe class BatchNormLoops
{
    /// <summary>Compile-time switch for the fused ReLU.</summary>
    internal interface IActivation
    {
        /// <summary>True when a ReLU follows the normalization.</summary>
        static abstract bool IsRelu { get; }
    }

    /// <summary>Normalization followed by max(0, .).</summary>
    internal readonly struct Relu : IActivation
    {
        /// <inheritdoc/>
        public static bool IsRelu => true;
    }

    /// <summary>Normalization alone.</summary>
    internal readonly struct Identity : IActivation
    {
        /// <inheritdoc/>
        public static bool IsRelu => false;
    }

    private static int Width => Vector256<float>.Count;

    // Float scratch up to this many elements lives on the stack (3 * d for d <= 2730), beyond it in ArrayPool.
    private const int StackFloats = 8192;

    /// <summary>
    /// y[i, j] = (x[i, j] - mean[j]) * scale[j] + beta[j] for <paramref name="rows"/> rows of d, then ReLU when
    /// TAct is <see cref="Relu"/> (NaN passes through the ReLU). x and y may be the same memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NormalizeRows<TAct>(float* x, float* y, int rows, int d, float* mean, float* scale,
        float* beta) where TAct : struct, IActivation
    {
        for (int i = 0; i < rows; i++)
        {
            float* xr = x + (long)i * d, yr = y + (long)i * d;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= d - Width; j += Width)
                {
                    Vector256<float> v = Vector256.FusedMultiplyAdd(Vector256.Load(xr + j) - Vector256.Load(mean + j),
                        Vector256.Load(scale + j), Vector256.Load(beta + j));
                    if (TAct.IsRelu) v = ReluVector(v);
                    Vector256.Store(v, yr + j);
                }
            }
            for (; j < d; j++)
            {
                float v = MathF.FusedMultiplyAdd(xr[j] - mean[j], scale[j], beta[j]);
                yr[j] = TAct.IsRelu && v < 0 ? 0 : v;
            }
        }
    }

    /// <summary>
    /// Section 3's two reductions over <paramref name="rows"/> rows, plus the residual of the float mean:
    /// sumG[j] = sum_i g[i, j], sumGX[j] = sum_i g[i, j] * (x[i, j] - mean[j]) and sumX[j] = sum_i (x[i, j] - mean[j]),
    /// where g = dy, masked by y &gt; 0 when TAct is <see cref="Relu"/>. Overwrites all three (length d each).
    /// Streams row after row into d-length float sums (in L1) that are added into the double ones every
    /// <see cref="ColumnMoments.BlockRows"/> rows. Thread-safe (scratch is per call).
    /// </summary>
    public static void GradientSums<TAct>(float* x, float* y, float* dy, int rows, int d, float* mean,
        double* sumG, double* sumGX, double* sumX) where TAct : struct, IActivation
    {
        int length = 3 * d;
        using var scratch = new ScratchSpan<float>(length <= StackFloats ? stackalloc float[length] : default, length);
        fixed (float* f = scratch.Span)
            GradientSumsCore<TAct>(x, y, dy, rows, d, mean, sumG, sumGX, sumX, f, f + d, f + 2 * d);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientSumsCore<TAct>(float* x, float* y, float* dy, int rows, int d, float* mean,
        double* sumG, double* sumGX, double* sumX, float* fG, float* fGX, float* fX) where TAct : struct, IActivation
    {
        new Span<double>(sumG, d).Clear();
        new Span<double>(sumGX, d).Clear();
        new Span<double>(sumX, d).Clear();
        for (int i0 = 0; i0 < rows; i0 += ColumnMoments.BlockRows)
        {
            int nb = Math.Min(ColumnMoments.BlockRows, rows - i0);
            new Span<float>(fG, 3 * d).Clear(); // fG, fGX, fX are contiguous
            for (int r = i0; r < i0 + nb; r++)
            {
                long offset = (long)r * d;
                float* xr = x + offset, yr = TAct.IsRelu ? y + offset : null, gr = dy + offset;
                int j = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    for (; j <= d - Width; j += Width)
                    {
                        Vector256<float> g = Vector256.Load(gr + j), c = Vector256.Load(xr + j) - Vector256.Load(mean + j);
                        if (TAct.IsRelu) g &= Vector256.GreaterThan(Vector256.Load(yr + j), Vector256<float>.Zero);
                        Vector256.Store(Vector256.Load(fG + j) + g, fG + j);
                        Vector256.Store(Vector256.FusedMultiplyAdd(g, c, Vector256.Load(fGX + j)), fGX + j);
                        Vector256.Store(Vector256.Load(fX + j) + c, fX + j);
                    }
                }
                for (; j < d; j++)
                {
                    float g = TAct.IsRelu && !(yr[j] > 0) ? 0 : gr[j], c = xr[j] - mean[j];
                    fG[j] += g;
                    fGX[j] = MathF.FusedMultiplyAdd(g, c, fGX[j]);
                    fX[j] += c;
                }
            }
            AddWidened(fG, sumG, d);
            AddWidened(fGX, sumGX, d);
            AddWidened(fX, sumX, d);
        }
    }

    // sum[j] += value[j], float into double.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddWidened(float* value, double* sum, int d)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= d - Width; j += Width)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Load(value + j));
                Vector256.Store(Vector256.Load(sum + j) + lo, sum + j);
                Vector256.Store(Vector256.Load(sum + j + Vector256<double>.Count) + hi, sum + j + Vector256<double>.Count);
            }
        }
        for (; j < d; j++) sum[j] += value[j];
    }

    /// <summary>
    /// dx[i, j] = k1[j] * (g[i, j] - gMean[j]) + k2[j] * ((x[i, j] - mean[j]) - residual[j]), the section 3 input
    /// gradient with its per-feature coefficients folded in (see <see cref="BatchNormKernels.Backward"/>); g as in
    /// <see cref="GradientSums{TAct}"/>; residual = exact mean - float mean. Centring g before scaling makes dx
    /// exactly 0 for one row. dx may be the same memory as x, y or dy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient<TAct>(float* x, float* y, float* dy, int rows, int d, float* mean, float* k1,
        float* k2, float* gMean, float* residual, float* dx) where TAct : struct, IActivation
    {
        for (int i = 0; i < rows; i++)
        {
            long offset = (long)i * d;
            float* xr = x + offset, yr = TAct.IsRelu ? y + offset : null, gr = dy + offset, dxr = dx + offset;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= d - Width; j += Width)
                {
                    Vector256<float> g = Vector256.Load(gr + j);
                    if (TAct.IsRelu) g &= Vector256.GreaterThan(Vector256.Load(yr + j), Vector256<float>.Zero);
                    Vector256<float> v = Vector256.Load(k1 + j) * (g - Vector256.Load(gMean + j));
                    Vector256<float> c = Vector256.Load(xr + j) - Vector256.Load(mean + j) - Vector256.Load(residual + j);
                    v = Vector256.FusedMultiplyAdd(Vector256.Load(k2 + j), c, v);
                    Vector256.Store(v, dxr + j);
                }
            }
            for (; j < d; j++)
            {
                float g = TAct.IsRelu && !(yr[j] > 0) ? 0 : gr[j];
                dxr[j] = MathF.FusedMultiplyAdd(k2[j], xr[j] - mean[j] - residual[j], k1[j] * (g - gMean[j]));
            }
        }
    }

    /// <summary>max(0, v) per lane, keeping NaN (a NaN is not less than 0), like the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ReluVector(Vector256<float> v) =>
        Vector256.AndNot(v, Vector256.LessThan(v, Vector256<float>.Zero));

    /// <summary>
    /// Number of row chunks to run in parallel: 1 below <see cref="ParallelThreshold"/> elements or on one core,
    /// otherwise one per core, each with at least half the threshold.
    /// </summary>
    public static int ChunkCount(int n, int d)
    {
        long elements = (long)n * d;
        if (elements < ParallelThreshold || Environment.ProcessorCount < 2) return 1;
        return (int)Math.Max(1, Math.Min(Math.Min(Environment.ProcessorCount, n), elements / (ParallelThreshold / 2)));
    }

    /// <summary>Rows [start, start + count) of chunk <paramref name="chunk"/> out of <paramref name="chunks"/>.</summary>
    public static void ChunkRows(int n, int chunks, int chunk, out int start, out int count)
    {
        start = (int)((long)n * chunk / chunks);
        count = (int)((long)n * (chunk + 1) / chunks) - start;
    }

    /// <summary>Elements (n * d) from which a call is split over cores; below it the fork/join costs more.</summary>
    internal const long ParallelThreshold = 1 << 18;
}
