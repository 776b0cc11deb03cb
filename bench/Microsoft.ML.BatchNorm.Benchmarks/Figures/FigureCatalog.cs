using Microsoft.ML.Trainers;
using Microsoft.ML.BatchNorm.Numerics;

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

    /// <summary>
    /// The PyTorch script's MLP figures on Fashion-MNIST: <c>mlp_epoch/B=..</c> (with <c>mlp_test_accuracy/B=..</c>)
    /// for each batch size, trained <paramref name="epochs"/> epochs; <c>predict_batch/10000</c> (and
    /// <c>.../transform</c>, through ML.NET's Transform and a cursor); <c>predict_row</c>;
    /// and <c>predict_row/engine</c> (through ML.NET's PredictionEngine); the last two again through the plain-saved,
    /// plain-loaded model (<c>.../onnx</c>: ONNX Runtime via the companion package). Empty, with a note on stderr, when the
    /// dataset is not installed.
    /// </summary>
    /// <param name="epochs">Epochs per batch size (the script's --epochs; default 2).</param>
    /// <param name="seeds">Seeds whose test accuracies are averaged (see <see cref="MlpEpochFigure"/>; default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochs"/> or <paramref name="seeds"/> is less than 1.</exception>
    /// <param name="initialization">Initial weights of the MLP figures (default He normal, as the PyTorch script's model).</param>
    public static IEnumerable<Figure> Mlp(int epochs = 2, int seeds = 1, MultilayerPerceptronInitialization initialization = MultilayerPerceptronInitialization.HeNormal)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1);
        return FashionMnistFigures("MLP and prediction", MlpFigures(epochs, seeds, initialization));
    }

    /// <summary>
    /// ML.NET-level figures over the 60000 x 784 Fashion-MNIST training set: Fit and Transform of
    /// <c>BatchNormalize</c> and of ML.NET's <c>NormalizeMeanVariance</c> (the in-ecosystem peer). Empty, with a note
    /// on stderr, when the dataset is not installed.
    /// </summary>
    public static IEnumerable<Figure> MlNet() => FashionMnistFigures("ML.NET", MlNetFigures());

    /// <summary>All figures, in the order the short mode prints them; the MLP group only when asked for.</summary>
    /// <param name="epochs">Epochs of the MLP figures.</param>
    /// <param name="includeMlp">Whether to include <see cref="Mlp"/> (the script's --skip-mlp turns it off).</param>
    /// <param name="seeds">Seeds of the MLP accuracy figures.</param>
    /// <param name="initialization">Initial weights of the MLP figures.</param>
    public static IEnumerable<Figure> All(int epochs = 2, bool includeMlp = true, int seeds = 1,
        MultilayerPerceptronInitialization initialization = MultilayerPerceptronInitialization.HeNormal) =>
        Memory().Concat(BatchNorm()).Concat(Gemm()).Concat(MlNet()).Concat(includeMlp ? Mlp(epochs, seeds, initialization) : []);

    private static IEnumerable<Figure> MlpFigures(int epochs, int seeds, MultilayerPerceptronInitialization initialization)
    {
        foreach (int b in BatchSizes) yield return new MlpEpochFigure(b, epochs, seeds, initialization);
        yield return new PredictBatchFigure();
        yield return new TransformScoringFigure();
        yield return new PredictRowFigure();
        yield return new PredictionEngineFigure();
        yield return new TransformScoringFigure(plainSaved: true);
        yield return new PredictionEngineFigure(plainSaved: true);
    }

    private static IEnumerable<Figure> MlNetFigures()
    {
        yield return new MlNetFitFigure("mlnet/batchnormalize_fit", MlNetFigureData.BatchNormalize);
        yield return new MlNetTransformFigure("mlnet/batchnormalize_transform", MlNetFigureData.BatchNormalize);
        yield return new MlNetFitFigure("mlnet/normalizemeanvariance_fit", MlNetFigureData.NormalizeMeanVariance);
        yield return new MlNetTransformFigure("mlnet/normalizemeanvariance_transform", MlNetFigureData.NormalizeMeanVariance);
    }

    // Checked when the group is enumerated, so that a missing dataset costs only a note and the other groups run.
    private static IEnumerable<Figure> FashionMnistFigures(string group, IEnumerable<Figure> figures)
    {
        IReadOnlyList<string> missing = FashionMnistData.MissingFiles;
        if (missing.Count == 0) return figures;
        Console.Error.WriteLine(
            $"note: skipping the {group} figures: Fashion-MNIST is not installed in {FashionMnistData.Directory} " +
            $"(missing {string.Join(", ", missing.Select(Path.GetFileName))}; Debian package dataset-fashion-mnist).");
        return [];
    }
}
