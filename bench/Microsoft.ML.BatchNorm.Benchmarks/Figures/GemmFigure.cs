using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// C[m x n] = op(A)[m x k] * op(B)[k x n] with <see cref="Sgemm"/> (alpha 1, beta 0), reported in GFLOP/s
/// (2mnk flops per call). <paramref name="threads"/> caps the threads (0: all cores, as the library runs).
/// </summary>
/// <param name="name">The figure name.</param>
/// <param name="transposeA">Whether A is stored k x m.</param>
/// <param name="transposeB">Whether B is stored n x k.</param>
/// <param name="m">Rows of C.</param>
/// <param name="n">Columns of C.</param>
/// <param name="k">The inner dimension.</param>
/// <param name="threads">At most this many threads; 0 for the library default.</param>
public sealed class GemmFigure(string name, bool transposeA, bool transposeB, int m, int n, int k, int threads = 0)
    : Figure
{
    private float[] _a = [], _b = [], _c = [];

    /// <inheritdoc/>
    public override string Name { get; } = threads == 0 ? name : $"{name}/threads={threads}";

    /// <inheritdoc/>
    public override double Flops => 2.0 * m * n * k;

    /// <inheritdoc/>
    public override void Setup()
    {
        _a = TestData.Normal(m * k, seed: 1);
        _b = TestData.Normal(k * n, seed: 2);
        _c = new float[m * n];
    }

    /// <inheritdoc/>
    public override void Run()
    {
        int lda = transposeA ? m : k, ldb = transposeB ? k : n;
        if (threads == 0)
            Sgemm.Multiply(transposeA, transposeB, m, n, k, 1f, _a, lda, _b, ldb, 0f, _c, n);
        else
            Sgemm.Multiply(transposeA, transposeB, m, n, k, 1f, _a, lda, _b, ldb, 0f, _c, n, SgemmKernels.Best, threads);
    }

    /// <inheritdoc/>
    public override void Cleanup() => (_a, _b, _c) = ([], [], []);
}
