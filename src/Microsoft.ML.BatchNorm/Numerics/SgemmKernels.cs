using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// A register-blocked GEMM micro-kernel: computes one <see cref="Mr"/> x <see cref="Nr"/> tile of C from a packed
/// sliver of A and a sliver of B. The signature of <see cref="Run"/> is
/// <c>(kc, a, b, ldb, c, ldc, beta)</c>: <c>a</c> holds kc groups of Mr values (<c>a[p * Mr + r]</c> = A(r, p)),
/// <c>b</c> holds kc rows of Nr values with row stride <c>ldb</c> (<c>b[p * ldb + q]</c> = B(p, q)), and the tile
/// <c>c</c> (row stride <c>ldc</c>) becomes <c>sum_p A(r, p) * B(p, q) + beta * c</c>, summed in increasing p with
/// one fused multiply-add per term; beta == 0 stores the sum without reading c.
/// </summary>
internal readonly unsafe struct SgemmKernel
{
    internal SgemmKernel(string name, int mr, int nr, bool isSupported,
        delegate*<int, float*, float*, nint, float*, nint, float, void> run)
    {
        Name = name;
        Mr = mr;
        Nr = nr;
        IsSupported = isSupported;
        Run = run;
    }

    /// <summary>Name for diagnostics and test output.</summary>
    public string Name { get; }

    /// <summary>Rows of the C tile (the A sliver height).</summary>
    public int Mr { get; }

    /// <summary>Columns of the C tile (the B sliver width); a multiple of 8.</summary>
    public int Nr { get; }

    /// <summary>Whether this machine runs the kernel in hardware (otherwise it must not be used).</summary>
    public bool IsSupported { get; }

    /// <summary>The kernel entry point; see the type's summary for its arguments.</summary>
    public delegate*<int, float*, float*, nint, float*, nint, float, void> Run { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>
/// The micro-kernels of <see cref="Sgemm"/>, one per instruction set, and the choice for this machine.
/// Measured on a 2-core AMD EPYC (Zen 4, AVX-512 executed as two 256-bit halves): all shapes reach about 116
/// GFLOP/s per core on cached data, but in the full GEMM the 8 x 16 AVX-512 tile (8 zmm accumulators) beat
/// 6 x 16 and 6 x 32 with AVX2, and 8 x 32, 12 x 32 and 14 x 32 with AVX-512, on the network's shapes
/// (m = 32 or 256 divides by 8; fewer wasted lanes on the narrow n = 10 layer) and matched them at 1024^3.
/// </summary>
internal static unsafe class SgemmKernels
{
    /// <summary>8 x 16 tile, one zmm accumulator per row (needs AVX-512F).</summary>
    public static SgemmKernel Avx512Kernel { get; } = new("avx512-8x16", 8, 16, Avx512F.IsSupported, &RunAvx512);

    /// <summary>6 x 16 tile, two ymm accumulators per row: 12 accumulators fit the 16 ymm registers (AVX2 + FMA).</summary>
    public static SgemmKernel Avx2Kernel { get; } = new("avx2-6x16", 6, 16, Avx2.IsSupported && Fma.IsSupported, &RunAvx2);

    /// <summary>4 x 8 tile with 128-bit vectors: the fallback for any other machine (fused where the hardware can).</summary>
    public static SgemmKernel PortableKernel { get; } = new("portable-4x8", 4, 8, true, &RunPortable);

    /// <summary>The fastest supported kernel on this machine.</summary>
    public static SgemmKernel Best { get; } =
        Avx512Kernel.IsSupported ? Avx512Kernel : Avx2Kernel.IsSupported ? Avx2Kernel : PortableKernel;

    /// <summary>All kernels this machine supports (tests run every one).</summary>
    public static IReadOnlyList<SgemmKernel> Supported { get; } =
        new[] { Avx512Kernel, Avx2Kernel, PortableKernel }.Where(kernel => kernel.IsSupported).ToArray();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunAvx512(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float beta)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> bp = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), bp, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), bp, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), bp, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), bp, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), bp, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), bp, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), bp, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), bp, c7);
            a += 8;
            b += ldb;
        }

        Store512(c0, c, beta);
        Store512(c1, c + ldc, beta);
        Store512(c2, c + 2 * ldc, beta);
        Store512(c3, c + 3 * ldc, beta);
        Store512(c4, c + 4 * ldc, beta);
        Store512(c5, c + 5 * ldc, beta);
        Store512(c6, c + 6 * ldc, beta);
        Store512(c7, c + 7 * ldc, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(Vector512<float> sum, float* c, float beta)
    {
        // beta == 0 must not read C: it may hold NaN or garbage that the contract says to ignore.
        if (beta == 0f) sum.Store(c);
        else if (beta == 1f) (Vector512.Load(c) + sum).Store(c);
        else Vector512.FusedMultiplyAdd(Vector512.Load(c), Vector512.Create(beta), sum).Store(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunAvx2(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
            Vector256<float> ar = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(ar, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(ar, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(ar, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(ar, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(ar, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(ar, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(ar, b1, c51);
            a += 6;
            b += ldb;
        }

        Store256(c00, c, beta);
        Store256(c01, c + 8, beta);
        Store256(c10, c + ldc, beta);
        Store256(c11, c + ldc + 8, beta);
        Store256(c20, c + 2 * ldc, beta);
        Store256(c21, c + 2 * ldc + 8, beta);
        Store256(c30, c + 3 * ldc, beta);
        Store256(c31, c + 3 * ldc + 8, beta);
        Store256(c40, c + 4 * ldc, beta);
        Store256(c41, c + 4 * ldc + 8, beta);
        Store256(c50, c + 5 * ldc, beta);
        Store256(c51, c + 5 * ldc + 8, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(Vector256<float> sum, float* c, float beta)
    {
        if (beta == 0f) sum.Store(c);
        else if (beta == 1f) (Vector256.Load(c) + sum).Store(c);
        else Vector256.FusedMultiplyAdd(Vector256.Load(c), Vector256.Create(beta), sum).Store(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunPortable(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float beta)
    {
        // MultiplyAddEstimate is a single fused instruction where the hardware has one (Arm64, x86 with FMA) and
        // a multiply then add elsewhere: FusedMultiplyAdd would fall back to slow software emulation there.
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b), b1 = Vector128.Load(b + 4);
            Vector128<float> ar = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(ar, b0, c00);
            c01 = Vector128.MultiplyAddEstimate(ar, b1, c01);
            ar = Vector128.Create(a[1]);
            c10 = Vector128.MultiplyAddEstimate(ar, b0, c10);
            c11 = Vector128.MultiplyAddEstimate(ar, b1, c11);
            ar = Vector128.Create(a[2]);
            c20 = Vector128.MultiplyAddEstimate(ar, b0, c20);
            c21 = Vector128.MultiplyAddEstimate(ar, b1, c21);
            ar = Vector128.Create(a[3]);
            c30 = Vector128.MultiplyAddEstimate(ar, b0, c30);
            c31 = Vector128.MultiplyAddEstimate(ar, b1, c31);
            a += 4;
            b += ldb;
        }

        Store128(c00, c, beta);
        Store128(c01, c + 4, beta);
        Store128(c10, c + ldc, beta);
        Store128(c11, c + ldc + 4, beta);
        Store128(c20, c + 2 * ldc, beta);
        Store128(c21, c + 2 * ldc + 4, beta);
        Store128(c30, c + 3 * ldc, beta);
        Store128(c31, c + 3 * ldc + 4, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store128(Vector128<float> sum, float* c, float beta)
    {
        if (beta == 0f) sum.Store(c);
        else if (beta == 1f) (Vector128.Load(c) + sum).Store(c);
        else Vector128.MultiplyAddEstimate(Vector128.Load(c), Vector128.Create(beta), sum).Store(c);
    }
}
