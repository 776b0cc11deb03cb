namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// A figure that the short mode does not time per <see cref="Figure.Run"/> call but that measures itself, like the
/// PyTorch script's MLP figures: the median over training epochs, and the accuracy reached after them. It may report
/// several results (e.g. <c>mlp_epoch/B=32</c> and <c>mlp_test_accuracy/B=32</c>). BenchmarkDotNet still times
/// <see cref="Figure.Run"/>.
/// </summary>
public interface ISelfTimedFigure
{
    /// <summary>Measures, after <see cref="Figure.Setup"/>, and returns the results in output order.</summary>
    IReadOnlyList<FigureResult> Measure();
}
