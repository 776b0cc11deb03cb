namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// Every figure, by group. The BenchmarkDotNet classes take their parameters from here and the short
/// <c>--json</c> mode runs <see cref="All"/>: a new figure is added here once.
/// </summary>
public static class FigureCatalog
{
    /// <summary>The mini-batch sizes of the MLP figures (as the PyTorch script's default --batches 32,256).</summary>
    public static IReadOnlyList<int> BatchSizes { get; } = [32, 256];

    /// <summary>The batch-norm shapes of the PyTorch script, N x D.</summary>
    public static IReadOnlyList<(int N, int D)> BatchNormShapes { get; } = [(32, 256), (256, 256), (60000, 784)];

    /// <summary>
    /// <c>gemm/1024</c> (square, GFLOP/s figure) and the first layer (784 -> 256) of the MLP at each batch size B:
    /// forward X[B x 784] * W^T, weight gradient dY^T * X, input gradient dY * W; each with all cores and with one.
    /// </summary>
    public static IEnumerable<Figure> Gemm()
    {
        foreach (int threads in new[] { 0, 1 })
        {
            yield return new GemmFigure("gemm/1024", false, false, 1024, 1024, 1024, threads);
            foreach (int b in BatchSizes)
            {
                yield return new GemmFigure($"gemm/fc1_fwd/B={b}", false, true, b, 256, 784, threads);
                yield return new GemmFigure($"gemm/fc1_dw/B={b}", true, false, 256, 784, b, threads);
                yield return new GemmFigure($"gemm/fc1_dx/B={b}", false, false, b, 784, 256, threads);
            }
        }
    }

    /// <summary>The PyTorch script's batch-norm figures: training forward + backward, and eval forward.</summary>
    public static IEnumerable<Figure> BatchNorm()
    {
        foreach ((int n, int d) in BatchNormShapes)
        {
            yield return new BatchNormTrainFigure(n, d);
            yield return new BatchNormEvalFigure(n, d);
        }
    }

    /// <summary>The bandwidth yardstick: a copy of the largest batch-norm input (60000 x 784 floats).</summary>
    public static IEnumerable<Figure> Memory()
    {
        yield return new CopyFigure(60000, 784);
    }

    /// <summary>All figures, in the order the short mode prints them.</summary>
    public static IEnumerable<Figure> All() => Memory().Concat(BatchNorm()).Concat(Gemm());
}
