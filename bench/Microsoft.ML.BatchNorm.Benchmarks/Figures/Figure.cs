namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// One measured figure: an operation timed per call, under a name shared with the PyTorch reference script
/// (shared/bench/torch_reference.py) where it has a counterpart. Both the BenchmarkDotNet classes and the short
/// <c>--json</c> mode run figures, so adding a figure is one subclass plus one line in <see cref="FigureCatalog"/>.
/// </summary>
public abstract class Figure
{
    /// <summary>The figure's name, e.g. <c>bn_train_fwd_bwd/N=60000,D=784</c>; also its BenchmarkDotNet parameter text.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Floating-point operations of one <see cref="Run"/> call, or 0 when a rate in GFLOP/s means nothing here.
    /// </summary>
    public virtual double Flops => 0;

    /// <summary>Bytes one <see cref="Run"/> call must read plus write at least, or 0 when no bandwidth is reported.</summary>
    public virtual double Bytes => 0;

    /// <summary>Data rows one <see cref="Run"/> call processes, or 0 when no rate in rows/s is reported.</summary>
    public virtual double Rows => 0;

    /// <summary>
    /// Timed batches whose median the short mode reports: 7, as the PyTorch script's default (its
    /// <c>predict_batch/10000</c> uses 5).
    /// </summary>
    public virtual int TimedBatches => 7;

    /// <summary>Allocates and fills the data (deterministic seeds); called once before timing.</summary>
    public abstract void Setup();

    /// <summary>The operation timed: one call is one unit of the figure.</summary>
    public abstract void Run();

    /// <summary>Drops the data so that the next figure's does not have to share memory with it.</summary>
    public virtual void Cleanup()
    {
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
