using Microsoft.ML.Trainers;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// The learning curves of a training run as an image: the training and validation loss per epoch on the left, the
/// training and validation accuracy on the right.
/// </summary>
internal static class LearningCurves
{
    /// <summary>Image width in pixels.</summary>
    public const int Width = 1200;

    /// <summary>Image height in pixels.</summary>
    public const int Height = 480;

    /// <summary>Where the curves of the model file <paramref name="modelPath"/> go: beside it, "-curves.png" and "-curves.svg".</summary>
    public static (string Png, string Svg) PathsFor(string modelPath)
    {
        string stem = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, Path.GetFileNameWithoutExtension(modelPath));
        return (stem + "-curves.png", stem + "-curves.svg");
    }

    /// <summary>The two panels of <paramref name="epochs"/>; the validation lines only when the run had validation rows.</summary>
    public static IReadOnlyList<ChartPanel> Panels(IReadOnlyList<MultilayerPerceptronEpoch> epochs, string title)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        bool validation = epochs.Any(e => e.ValidationLoss is not null);
        var loss = new List<ChartLine> { new("training loss", epochs.Select(e => e.TrainingLoss).ToArray()) };
        var accuracy = new List<ChartLine> { new("training accuracy", epochs.Select(e => e.TrainingAccuracy).ToArray()) };
        if (validation)
        {
            loss.Add(new("validation loss", epochs.Select(e => e.ValidationLoss ?? double.NaN).ToArray()));
            accuracy.Add(new("validation accuracy", epochs.Select(e => e.ValidationAccuracy ?? double.NaN).ToArray()));
        }
        return
        [
            new ChartPanel($"{title}: loss", "mean cross-entropy", loss),
            new ChartPanel($"{title}: accuracy", "accuracy", accuracy),
        ];
    }

    /// <summary>Draws <paramref name="epochs"/> into a PNG and an SVG of <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public static void Save(IReadOnlyList<MultilayerPerceptronEpoch> epochs, string title, string pngPath, string svgPath,
        int width = Width, int height = Height) =>
        EpochChart.Save(Panels(epochs, title), pngPath, svgPath, width, height);
}
