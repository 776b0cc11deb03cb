using System.Globalization;
using System.IO.Compression;
using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>A digits row: 64 pixel counts scaled to [0, 1] and the digit.</summary>
public sealed class DigitRow
{
    [VectorType(64)]
    public float[] Features { get; set; } = [];

    public float Label { get; set; }
}

/// <summary>Loads the small real datasets copied into the test output (TestData/data, from the repository's data/).</summary>
public static class TestDatasets
{
    public static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "TestData", "data", file);

    /// <summary>UCI digits as shipped by scikit-learn: 1797 rows, features scaled by 1/16.</summary>
    public static DigitRow[] Digits()
    {
        using var gzip = new GZipStream(File.OpenRead(DataPath("digits.csv.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var rows = new List<DigitRow>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
                continue;
            var fields = line.Split(',');
            rows.Add(new DigitRow
            {
                Features = fields.Take(64).Select(f => float.Parse(f, CultureInfo.InvariantCulture) / 16f).ToArray(),
                Label = float.Parse(fields[64], CultureInfo.InvariantCulture),
            });
        }
        return rows.ToArray();
    }

    /// <summary>
    /// The digits as a plain CSV text file (64 pixel counts, then the digit; no header), written once per test run, for
    /// <c>LoadFromTextFile</c>: ML.NET's text loader parses in parallel and hands out cursor sets.
    /// </summary>
    public static string DigitsCsvPath() => DigitsCsv.Value;

    private static readonly Lazy<string> DigitsCsv = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"bn-digits-{Environment.ProcessId}.csv");
        using var gzip = new GZipStream(File.OpenRead(DataPath("digits.csv.gz")), CompressionMode.Decompress);
        using var output = File.Create(path);
        gzip.CopyTo(output);
        return path;
    });

    /// <summary>The text loader columns of <see cref="DigitsCsvPath"/>: Features (64 Singles) and Label.</summary>
    public static TextLoader.Column[] DigitsCsvColumns { get; } =
    [
        new("Features", DataKind.Single, 0, 63),
        new("Label", DataKind.Single, 64),
    ];

    /// <summary>A seeded split: every fifth row (after a seeded shuffle) goes to the test part.</summary>
    public static (T[] Train, T[] Test) Split<T>(T[] rows, int seed = 1)
    {
        var shuffled = (T[])rows.Clone();
        new Random(seed).Shuffle(shuffled);
        int test = shuffled.Length / 5;
        return (shuffled[test..], shuffled[..test]);
    }
}
