using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Samples;

/// <summary>Fashion-MNIST loading on a miniature copy of its four files.</summary>
[TestClass]
public sealed class FashionMnistDatasetTests
{
    private string _directory = "";

    [TestInitialize]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "fashion-mnist-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private void WritePart(string part, int count, byte[] labels)
    {
        IdxTestFiles.Write(_directory, $"{part}-images-idx3-ubyte.gz", IdxReader.ImageFileMagic, [count, 3, 2], IdxTestFiles.Pattern(count, 3, 2));
        IdxTestFiles.Write(_directory, $"{part}-labels-idx1-ubyte.gz", IdxReader.LabelFileMagic, [labels.Length], labels);
    }

    [TestMethod]
    public void LoadsPixelsDividedBy255WithTheirLabels()
    {
        WritePart(FashionMnistDataset.TrainPart, 4, [9, 0, 3, 3]);
        var pixels = IdxTestFiles.Pattern(4, 3, 2);

        var train = FashionMnistDataset.Load(_directory, FashionMnistDataset.TrainPart);

        Assert.AreEqual(4, train.Count);
        Assert.AreEqual(6, train.FeatureCount);
        Assert.AreEqual(10, train.ClassCount);
        CollectionAssert.AreEqual(new[] { 9, 0, 3, 3 }, train.Labels);
        for (int i = 0; i < pixels.Length; i++)
            Assert.AreEqual(pixels[i] / 255.0, train.Features[i], 1e-7, $"pixel {i}");
        Assert.AreEqual("Ankle boot", train.ClassNames[train.Labels[0]]);
    }

    [TestMethod]
    public void LabelAboveNineThrowsNamingTheLabelFile()
    {
        WritePart(FashionMnistDataset.TestPart, 2, [4, 10]);
        var (_, labels) = FashionMnistDataset.GetPaths(_directory, FashionMnistDataset.TestPart);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => FashionMnistDataset.Load(_directory, FashionMnistDataset.TestPart));
        Assert.Contains(labels, e.Message);
        Assert.Contains("label 1 is 10", e.Message);
    }

    [TestMethod]
    public void FindMissingFilesListsExactlyTheAbsentOnes()
    {
        Assert.HasCount(4, FashionMnistDataset.FindMissingFiles(_directory));
        WritePart(FashionMnistDataset.TrainPart, 1, [1]);
        var missing = FashionMnistDataset.FindMissingFiles(_directory);
        Assert.HasCount(2, missing);
        Assert.IsTrue(missing.All(p => Path.GetFileName(p).StartsWith("t10k-", StringComparison.Ordinal)), string.Join(", ", missing));
        WritePart(FashionMnistDataset.TestPart, 1, [2]);
        Assert.HasCount(0, FashionMnistDataset.FindMissingFiles(_directory));
    }
}
