using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Samples;

/// <summary>The IDX reader of the samples, on small files written here: the round trip and every documented error.</summary>
[TestClass]
public sealed class IdxReaderTests
{
    private string _directory = "";

    [TestInitialize]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "idx-reader-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string WriteImages(string name, int count, int rows, int columns)
        => IdxTestFiles.Write(_directory, name, IdxReader.ImageFileMagic, [count, rows, columns], IdxTestFiles.Pattern(count, rows, columns));

    private string WriteLabels(string name, params byte[] labels)
        => IdxTestFiles.Write(_directory, name, IdxReader.LabelFileMagic, [labels.Length], labels);

    private static InvalidDataException AssertInvalid(Action read, string path, params string[] problem)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(read);
        Assert.Contains(path, e.Message);
        foreach (string part in problem)
            Assert.Contains(part, e.Message);
        return e;
    }

    [TestMethod]
    public void ValidPairRoundTrips()
    {
        var pixels = IdxTestFiles.Pattern(3, 2, 4);
        string images = WriteImages("images.gz", 3, 2, 4);
        string labels = WriteLabels("labels.gz", 7, 0, 9);

        var (read, readLabels) = IdxReader.ReadLabeledImages(images, labels);

        Assert.AreEqual(3, read.Count);
        Assert.AreEqual(2, read.Rows);
        Assert.AreEqual(4, read.Columns);
        Assert.AreEqual(8, read.PixelsPerImage);
        CollectionAssert.AreEqual(pixels, read.Pixels);
        CollectionAssert.AreEqual(new byte[] { 7, 0, 9 }, readLabels);
    }

    [TestMethod]
    public void StreamOverloadReadsTheSameAsTheFile()
    {
        string images = WriteImages("images.gz", 2, 3, 3);
        using var stream = File.OpenRead(images);
        var fromStream = IdxReader.ReadImages(stream, "in-memory");
        CollectionAssert.AreEqual(IdxReader.ReadImages(images).Pixels, fromStream.Pixels);
    }

    [TestMethod]
    public void EmptyImageFileIsValid()
    {
        string images = WriteImages("images.gz", 0, 28, 28);
        var read = IdxReader.ReadImages(images);
        Assert.AreEqual(0, read.Count);
        Assert.AreEqual(28, read.Rows);
        Assert.AreEqual(0, read.Pixels.Length);
    }

    [TestMethod]
    public void WrongMagicNumberThrows()
    {
        string path = IdxTestFiles.Write(_directory, "bad-magic.gz", 0x12340803, [1, 2, 2], new byte[4]);
        AssertInvalid(() => IdxReader.ReadImages(path), path, "magic number", "0x12340803", "0x00000803");
    }

    [TestMethod]
    public void LabelFileReadAsImagesThrows()
    {
        string path = WriteLabels("labels.gz", 1, 2, 3);
        AssertInvalid(() => IdxReader.ReadImages(path), path, "magic number", "0x00000801", "1 dimension(s)", "0x00000803");
    }

    [TestMethod]
    public void ImageFileReadAsLabelsThrows()
    {
        string path = WriteImages("images.gz", 1, 2, 2);
        AssertInvalid(() => IdxReader.ReadLabels(path), path, "magic number", "0x00000803", "0x00000801");
    }

    [TestMethod]
    public void WrongDataTypeThrows()
    {
        // 0x0D: 32-bit floats, 3 dimensions.
        string path = IdxTestFiles.Write(_directory, "floats.gz", 0x00000D03, [1, 1, 1], new byte[4]);
        AssertInvalid(() => IdxReader.ReadImages(path), path, "data type 0x0D", "32-bit float", "unsigned byte");
    }

    [TestMethod]
    public void TruncatedDataThrows()
    {
        // The header promises 3 x 2 x 3 = 18 bytes; 10 follow.
        string path = IdxTestFiles.Write(_directory, "short.gz", IdxReader.ImageFileMagic, [3, 2, 3], IdxTestFiles.Pattern(1, 2, 5));
        AssertInvalid(() => IdxReader.ReadImages(path), path, "truncated", "18 bytes", "only 10");
    }

    [TestMethod]
    public void TruncatedHeaderThrows()
    {
        // The magic number and one size, where an image file needs three.
        string path = IdxTestFiles.Write(_directory, "header.gz", IdxReader.ImageFileMagic, [5], []);
        AssertInvalid(() => IdxReader.ReadImages(path), path, "truncated", "header", "dimension 1");
    }

    [TestMethod]
    public void TruncatedLabelDataThrows()
    {
        string path = IdxTestFiles.Write(_directory, "labels.gz", IdxReader.LabelFileMagic, [5], [1, 2, 3]);
        AssertInvalid(() => IdxReader.ReadLabels(path), path, "truncated", "5 bytes", "only 3");
    }

    [TestMethod]
    public void DataBeyondTheHeaderThrows()
    {
        string path = IdxTestFiles.Write(_directory, "long.gz", IdxReader.LabelFileMagic, [2], [1, 2, 3]);
        AssertInvalid(() => IdxReader.ReadLabels(path), path, "more data than its header declares");
    }

    [TestMethod]
    public void NegativeSizeThrows()
    {
        string path = IdxTestFiles.Write(_directory, "negative.gz", IdxReader.ImageFileMagic, [1, -2, 2], []);
        AssertInvalid(() => IdxReader.ReadImages(path), path, "dimension 1", "-2");
    }

    [TestMethod]
    public void ZeroWidthImagesThrow()
    {
        string path = IdxTestFiles.Write(_directory, "zero.gz", IdxReader.ImageFileMagic, [3, 28, 0], []);
        AssertInvalid(() => IdxReader.ReadImages(path), path, "28 x 0");
    }

    [TestMethod]
    public void ImageAndLabelCountMismatchThrowsNamingBothFiles()
    {
        string images = WriteImages("images.gz", 3, 2, 2);
        string labels = WriteLabels("labels.gz", 1, 2);
        AssertInvalid(() => IdxReader.ReadLabeledImages(images, labels), images, labels, "3 images", "2 labels");
    }

    [TestMethod]
    public void UncompressedFileThrows()
    {
        string path = Path.Combine(_directory, "raw-idx");
        File.WriteAllBytes(path, IdxTestFiles.Encode(IdxReader.LabelFileMagic, [2], [1, 2]));
        AssertInvalid(() => IdxReader.ReadLabels(path), path, "gzip");
    }

    [TestMethod]
    public void CutCompressedFileThrows()
    {
        // A download cut short: the gzip stream itself ends early, before the data the header promises.
        var random = new Random(5);   // incompressible data, so that half the file is half the data
        var compressed = IdxTestFiles.Compress(IdxTestFiles.Encode(IdxReader.ImageFileMagic, [40, 10, 10],
            Enumerable.Range(0, 4000).Select(i => (byte)random.Next(256)).ToArray()));
        string path = Path.Combine(_directory, "cut.gz");
        File.WriteAllBytes(path, compressed[..(compressed.Length / 2)]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.IsTrue(e.Message.Contains("truncated") || e.Message.Contains("gzip"), e.Message);
    }

    [TestMethod]
    public void MissingFileThrowsFileNotFound()
    {
        string path = Path.Combine(_directory, "absent.gz");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => IdxReader.ReadImages(path));
        Assert.Contains("absent.gz", e.Message);
    }
}
