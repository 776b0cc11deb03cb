using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.BatchNorm.Numerics;

// The cache-blocked loop nest of Goto and van de Geijn (2008), section 4: a kc x nc panel of op(B) is packed once
// and reused for every mc-row block of op(A); each packed A block (mc x kc, sized for the L2 cache) is swept by
// nr-wide B slivers (kc x nr, sized for the L1 cache) and the micro-kernel computes one mr x nr tile at a time.
internal static unsafe partial class Sgemm
{
    // Block sizes, measured on the 2-core Zen 4 at 1024^3 and the network's shapes. kc = 256 keeps a 16-wide B
    // sliver (16 KiB) in the 32 KiB L1; mc = 128 rows of A (128 KiB) sit in the 1 MiB L2.
    private const int KcMax = 256;
    private const int McMax = 128;
    private const int NcMax = 2048;

    // Below this many rows of C per thread the kernel reads a non-transposed B in place (stride ldb) instead of
    // packing it: each B sliver then serves only a few A slivers, too few to repay the copy (measured: m = 32,
    // n = 784, k = 256 takes 117 us instead of 145 us). Not when ldb is a multiple of 1024 floats: rows 4 KiB
    // apart share too few cache sets, and that shape ran 1.2-2x slower in place than packed.
    private const int DirectBMaxRows = 128;
    private const int DirectBAliasingStride = 1024;

    [ThreadStatic] private static float[]? t_packedA;
    [ThreadStatic] private static float[]? t_packedB;

    private readonly struct Operands
    {
        public Operands(bool transposeA, bool transposeB, int k, float alpha, float* a, nint lda, float* b, nint ldb,
            float beta, float* c, nint ldc, SgemmKernel kernel)
        {
            TransposeA = transposeA;
            TransposeB = transposeB;
            K = k;
            Alpha = alpha;
            A = a;
            Lda = lda;
            B = b;
            Ldb = ldb;
            Beta = beta;
            C = c;
            Ldc = ldc;
            Kernel = kernel;
        }

        public bool TransposeA { get; }
        public bool TransposeB { get; }
        public int K { get; }
        public float Alpha { get; }
        public float* A { get; }
        public nint Lda { get; }
        public float* B { get; }
        public nint Ldb { get; }
        public float Beta { get; }
        public float* C { get; }
        public nint Ldc { get; }
        public SgemmKernel Kernel { get; }
    }

    // Splits `length` into the fewest blocks of at most `max`, of equal size rounded up to a multiple of `unit`, so
    // that no block is a thin remainder.
    private static int BlockSize(int length, int max, int unit)
    {
        int blocks = (length + max - 1) / max;
        int size = (length + blocks - 1) / blocks;
        return (size + unit - 1) / unit * unit;
    }

    // Computes rows [i0, i1) x columns [j0, j1) of C on the calling thread. The summation order of every C element
    // depends only on k (the kc blocks) and the kernel, never on the rectangle, so any partition gives the same bits.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyBlock(in Operands op, int i0, int i1, int j0, int j1)
    {
        SgemmKernel kernel = op.Kernel;
        int mr = kernel.Mr, nr = kernel.Nr, k = op.K;
        int kcStep = BlockSize(k, KcMax, 1);
        int mcStep = BlockSize(i1 - i0, McMax, mr);
        int ncStep = BlockSize(j1 - j0, NcMax, nr);
        bool directB = !op.TransposeB && i1 - i0 <= DirectBMaxRows && op.Ldb % DirectBAliasingStride != 0;
        float* packedA = Buffer(ref t_packedA, mcStep * kcStep + SgemmPacking.Slack);
        float* packedB = Buffer(ref t_packedB, (directB ? nr : ncStep) * kcStep + SgemmPacking.Slack);
        float* tile = stackalloc float[mr * nr];

        for (int jc = j0; jc < j1; jc += ncStep)
        {
            int nc = Math.Min(ncStep, j1 - jc);
            int fullSlivers = directB ? nc / nr * nr : 0;
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                // Later kc blocks add onto what the first one wrote.
                float beta = pc == 0 ? op.Beta : 1f;
                if (!directB) SgemmPacking.PackB(op.TransposeB, op.B, op.Ldb, pc, kc, jc, nc, nr, packedB);
                else if (fullSlivers < nc)
                    SgemmPacking.PackB(false, op.B, op.Ldb, pc, kc, jc + fullSlivers, nc - fullSlivers, nr, packedB);

                for (int ic = i0; ic < i1; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, i1 - ic);
                    SgemmPacking.PackA(op.TransposeA, op.A, op.Lda, ic, mc, pc, kc, op.Alpha, mr, packedA);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int nb = Math.Min(nr, nc - jr);
                        float* b = packedB;
                        nint ldb = nr;
                        if (!directB) b = packedB + (nint)jr * kc;
                        else if (jr < fullSlivers)
                        {
                            b = op.B + pc * op.Ldb + jc + jr;
                            ldb = op.Ldb;
                        }

                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int mb = Math.Min(mr, mc - ir);
                            float* a = packedA + (nint)ir * kc;
                            float* c = op.C + (ic + ir) * op.Ldc + jc + jr;
                            if (mb == mr && nb == nr) kernel.Run(kc, a, b, ldb, c, op.Ldc, beta);
                            else EdgeTile(kernel, kc, a, b, ldb, c, op.Ldc, beta, mb, nb, tile);
                        }
                    }
                }
            }
        }
    }

    // A partial tile runs the same kernel on a full-size scratch tile, so its elements get exactly the arithmetic
    // of a full tile's; only the valid mb x nb corner is copied in and out.
    private static void EdgeTile(SgemmKernel kernel, int kc, float* a, float* b, nint ldb, float* c, nint ldc,
        float beta, int mb, int nb, float* tile)
    {
        int nr = kernel.Nr;
        if (beta != 0f)
            for (int r = 0; r < mb; r++)
                new ReadOnlySpan<float>(c + r * ldc, nb).CopyTo(new Span<float>(tile + r * nr, nb));
        kernel.Run(kc, a, b, ldb, tile, nr, beta);
        for (int r = 0; r < mb; r++)
            new ReadOnlySpan<float>(tile + r * nr, nb).CopyTo(new Span<float>(c + r * ldc, nb));
    }

    // Per-thread packing buffer, allocated once on the pinned object heap and grown when needed: no garbage per
    // call, and a stable address. The returned pointer is 64-byte aligned.
    private static float* Buffer(ref float[]? buffer, int length)
    {
        const int AlignFloats = 16;
        if (buffer is null || buffer.Length < length + AlignFloats)
            buffer = GC.AllocateUninitializedArray<float>(length + AlignFloats, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nint)63);
    }
}
