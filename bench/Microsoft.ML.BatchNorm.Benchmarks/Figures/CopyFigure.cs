namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// A plain copy of an n x d float array into another (<see cref="Span{T}.CopyTo(Span{T})"/>): the memory
/// bandwidth yardstick for the streaming kernels (a batch-norm pass cannot beat one read plus one write).
/// </summary>
/// <param name="n">Rows.</param>
/// <param name="d">Columns.</param>
public sealed class CopyFigure(int n, int d) : Figure
{
    private float[] _source = [], _destination = [];

    /// <inheritdoc/>
    public override string Name => $"copy/N={n},D={d}";

    /// <summary>One read and one write of every element.</summary>
    public override double Bytes => 2.0 * n * d * sizeof(float);

    /// <inheritdoc/>
    public override void Setup()
    {
        _source = TestData.Normal(n * d, seed: 0);
        _destination = new float[n * d];
    }

    /// <inheritdoc/>
    public override void Run() => _source.AsSpan().CopyTo(_destination);

    /// <inheritdoc/>
    public override void Cleanup() => (_source, _destination) = ([], []);
}
