using BenchmarkDotNet.Attributes;
using Microsoft.ML.BatchNorm.Benchmarks.Figures;

namespace Microsoft.ML.BatchNorm.Benchmarks.Suites;

/// <summary>
/// A BenchmarkDotNet class over a group of <see cref="Figure"/>s: one benchmark case per figure, named by it.
/// A derived class only says which figures (<see cref="CreateFigures"/>).
/// </summary>
public abstract class FigureBenchmark
{
    /// <summary>The figures of this class: BenchmarkDotNet's parameter source (one member of this name, hence
    /// not itself virtual).</summary>
    public IEnumerable<Figure> Figures() => CreateFigures();

    /// <summary>The figure measured by the current case.</summary>
    [ParamsSource(nameof(Figures))]
    public Figure Figure { get; set; } = null!;

    /// <summary>Allocates the figure's data.</summary>
    [GlobalSetup]
    public void Setup() => Figure.Setup();

    /// <summary>Drops the figure's data.</summary>
    [GlobalCleanup]
    public void Cleanup() => Figure.Cleanup();

    /// <summary>One call of the figure's operation.</summary>
    [Benchmark]
    public void Run() => Figure.Run();

    /// <summary>The figures this class measures.</summary>
    protected abstract IEnumerable<Figure> CreateFigures();
}

/// <summary>Sgemm: 1024^3 and the MLP's first-layer products (GFLOP/s column).</summary>
public class SgemmBenchmarks : FigureBenchmark
{
    /// <inheritdoc/>
    protected override IEnumerable<Figure> CreateFigures() => FigureCatalog.Gemm();
}

/// <summary>Batch-norm kernels at the PyTorch script's shapes: training forward + backward, eval forward.</summary>
public class BatchNormBenchmarks : FigureBenchmark
{
    /// <inheritdoc/>
    protected override IEnumerable<Figure> CreateFigures() => FigureCatalog.BatchNorm();
}

/// <summary>The memory-bandwidth yardstick (GB/s column).</summary>
public class MemoryBenchmarks : FigureBenchmark
{
    /// <inheritdoc/>
    protected override IEnumerable<Figure> CreateFigures() => FigureCatalog.Memory();
}

/// <summary>
/// The MLP figures on Fashion-MNIST: one training epoch per call (fresh network) at each batch size, and the
/// prediction figures (batch of 10000, one row, one row through ML.NET's PredictionEngine).
/// </summary>
public class MlpBenchmarks : FigureBenchmark
{
    /// <inheritdoc/>
    protected override IEnumerable<Figure> CreateFigures() => FigureCatalog.Mlp(epochs: 1);
}

/// <summary>BatchNormalize and NormalizeMeanVariance Fit and Transform over Fashion-MNIST (GB/s column).</summary>
public class MlNetBenchmarks : FigureBenchmark
{
    /// <inheritdoc/>
    protected override IEnumerable<Figure> CreateFigures() => FigureCatalog.MlNet();
}
