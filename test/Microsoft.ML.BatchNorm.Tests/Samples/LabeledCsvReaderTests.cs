using System.Globalization;
using System.IO.Compression;
using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Samples;

/// <summary>The samples' CSV reader, on the real datasets and on small broken inputs.</summary>
[TestClass]
public sealed class LabeledCsvReaderTests
{
    private static readonly string[] ThreeClasses = ["a", "b", "c"];

    private static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "data", name);

    [TestMethod]
    public void EmbeddedDigitsHave1797RowsOf64FeaturesMatchingTheFile()
    {
        var digits = DigitsDataset.Load();

        Assert.AreEqual(DigitsDataset.RowCount, digits.Count);
        Assert.AreEqual(1797, digits.Count);
        Assert.AreEqual(64, digits.FeatureCount);
        Assert.AreEqual(10, digits.ClassCount);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).ToArray(), digits.Labels.Distinct().ToArray());

        // Independent reading of the repository's file: plain line splitting, counts divided by 16.
        using var text = new StreamReader(new GZipStream(File.OpenRead(DataFile("digits.csv.gz")), CompressionMode.Decompress));
        var lines = text.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1797, lines);
        for (int row = 0; row < lines.Length; row++)
        {
            var fields = lines[row].Split(',');
            for (int j = 0; j < 64; j++)
                Assert.AreEqual(int.Parse(fields[j], CultureInfo.InvariantCulture) / 16f, digits.Features[row * 64 + j], $"row {row}, feature {j}");
            Assert.AreEqual(int.Parse(fields[64], CultureInfo.InvariantCulture), digits.Labels[row], $"row {row}");
        }
        Assert.IsTrue(digits.Features.All(v => v >= 0 && v <= 1), "pixel counts are 0..16, so scaled features are in [0, 1]");
    }

    [TestMethod]
    public void WineWithHeaderHas178RowsOf13Features()
    {
        using var reader = new StreamReader(DataFile("wine_data.csv"));
        var wine = LabeledCsvReader.ReadWithHeader(reader, "wine_data.csv");

        Assert.AreEqual(178, wine.Count);
        Assert.AreEqual(13, wine.FeatureCount);
        CollectionAssert.AreEqual(new[] { "class_0", "class_1", "class_2" }, wine.ClassNames.ToArray());
        // First data line: 14.23,1.71,...,1065,0
        Assert.AreEqual(14.23f, wine.Features[0]);
        Assert.AreEqual(1065f, wine.Features[12]);
        Assert.AreEqual(0, wine.Labels[0]);
        Assert.AreEqual(2, wine.Labels[^1]);
    }

    [TestMethod]
    public void QuotesWhiteSpaceAndScaleAreHandled()
    {
        var data = LabeledCsvReader.ReadWithoutHeader(new StringReader("\"1.5\", 2 ,1\n\n-4,8e-1,2\n"), "inline", 2, ThreeClasses, featureScale: 0.5f);

        Assert.AreEqual(2, data.Count);
        CollectionAssert.AreEqual(new[] { 0.75f, 1f, -2f, 0.4f }, data.Features);
        CollectionAssert.AreEqual(new[] { 1, 2 }, data.Labels);
    }

    private static void AssertInvalid(string csv, bool header, params string[] problem)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
        {
            if (header)
                LabeledCsvReader.ReadWithHeader(new StringReader(csv), "sample.csv");
            else
                LabeledCsvReader.ReadWithoutHeader(new StringReader(csv), "sample.csv", 2, ThreeClasses);
        });
        Assert.Contains("'sample.csv'", e.Message);
        foreach (string part in problem)
            Assert.Contains(part, e.Message);
    }

    [TestMethod]
    public void WrongFieldCountNamesTheLine() => AssertInvalid("1,2,0\n3,4,1\n5,0\n", false, "line 3", "expected 3 fields", "found 2");

    [TestMethod]
    public void TextInAFeatureIsRejected() => AssertInvalid("1,2,0\n3,x4,1\n", false, "line 2, feature 1", "'x4' is not a number");

    [TestMethod]
    public void NonFiniteFeatureIsRejected() => AssertInvalid("1,NaN,0\n", false, "line 1, feature 1", "not a finite value");

    [TestMethod]
    public void OverflowingFeatureIsRejected() => AssertInvalid("1e39,1,0\n", false, "line 1, feature 0", "not a finite value");

    [TestMethod]
    public void LabelOutOfRangeIsRejected() => AssertInvalid("1,2,3\n", false, "line 1", "label '3'", "0..2");

    [TestMethod]
    public void FractionalLabelIsRejected() => AssertInvalid("1,2,1.5\n", false, "label '1.5'");

    [TestMethod]
    public void RowCountDifferentFromTheHeaderIsRejected()
        => AssertInvalid("3,2,a,b\n1,2,0\n3,4,1\n", true, "promises 3 rows", "holds 2");

    [TestMethod]
    public void FeatureCountFromTheHeaderIsEnforced()
        => AssertInvalid("1,3,a,b\n1,2,0\n", true, "line 2", "expected 4 fields");

    [TestMethod]
    public void MalformedHeaderIsRejected()
    {
        AssertInvalid("", true, "empty");
        AssertInvalid("2,2,a\n", true, "at least 2 class names");
        AssertInvalid("two,2,a,b\n", true, "row count 'two'");
        AssertInvalid("2,0,a,b\n", true, "feature count '0'");
    }

    [TestMethod]
    public void UnclosedQuoteIsReportedAsMalformed() => AssertInvalid("1,\"2,0\n", false, "malformed");
}
