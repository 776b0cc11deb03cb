namespace Microsoft.ML.BatchNorm.Samples.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, arXiv:1708.07747): 28 x 28 grey-level images of clothing in 10
/// classes, 60000 for training and 10000 for testing, as four gzip IDX files
/// (<c>{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz</c>).
/// </summary>
public static class FashionMnistDataset
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, in label order (label i is <c>ClassNames[i]</c>).</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>File name prefix of the training part.</summary>
    public const string TrainPart = "train";

    /// <summary>File name prefix of the test part.</summary>
    public const string TestPart = "t10k";

    /// <summary>The image and label file paths of one part in a directory.</summary>
    /// <param name="directory">The dataset's directory.</param>
    /// <param name="part"><see cref="TrainPart"/> or <see cref="TestPart"/>.</param>
    /// <exception cref="ArgumentException">An argument is null or empty.</exception>
    public static (string Images, string Labels) GetPaths(string directory, string part)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(part);
        return (Path.Combine(directory, $"{part}-images-idx3-ubyte.gz"), Path.Combine(directory, $"{part}-labels-idx1-ubyte.gz"));
    }

    /// <summary>The dataset files missing from <paramref name="directory"/> (empty when all four are there).</summary>
    /// <param name="directory">The directory to look in.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is null or empty.</exception>
    public static IReadOnlyList<string> FindMissingFiles(string directory)
    {
        var (trainImages, trainLabels) = GetPaths(directory, TrainPart);
        var (testImages, testLabels) = GetPaths(directory, TestPart);
        return new[] { trainImages, trainLabels, testImages, testLabels }.Where(p => !File.Exists(p)).ToArray();
    }

    /// <summary>
    /// Loads one part: each image becomes a row of <c>rows x columns</c> features, the pixels divided by 255 (so in
    /// [0, 1]); the labels must be class indices 0..9.
    /// </summary>
    /// <param name="directory">The dataset's directory.</param>
    /// <param name="part"><see cref="TrainPart"/> or <see cref="TestPart"/>.</param>
    /// <exception cref="ArgumentException">An argument is null or empty.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is invalid, the counts differ, or a label is above 9 (the
    /// message names the file).</exception>
    public static LabeledDataset Load(string directory, string part)
    {
        var (images, labels) = GetPaths(directory, part);
        return Load(images, labels, ClassNames);
    }

    /// <summary>Loads an image file and its label file as a dataset with the given class names, pixels divided by 255.</summary>
    /// <param name="imagesPath">The gzip IDX image file.</param>
    /// <param name="labelsPath">The gzip IDX label file.</param>
    /// <param name="classNames">The class names (at least 2); every label must be below their count.</param>
    /// <exception cref="ArgumentException">A path is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="classNames"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 class names.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is invalid, the counts differ, or a label is not below the
    /// class count (the message names the file).</exception>
    public static LabeledDataset Load(string imagesPath, string labelsPath, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(classNames), classNames.Count, "At least 2 classes are needed.");
        var (images, rawLabels) = IdxReader.ReadLabeledImages(imagesPath, labelsPath);
        var labels = new int[rawLabels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (rawLabels[i] >= classNames.Count)
                throw new InvalidDataException(
                    $"'{labelsPath}': label {i} is {rawLabels[i]}; this dataset has {classNames.Count} classes (0..{classNames.Count - 1}).");
            labels[i] = rawLabels[i];
        }
        var features = new float[images.Pixels.Length];
        for (int i = 0; i < features.Length; i++)
            features[i] = images.Pixels[i] / 255f;
        return new LabeledDataset(features, labels, images.PixelsPerImage, classNames);
    }
}
