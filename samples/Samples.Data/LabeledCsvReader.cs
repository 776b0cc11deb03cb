using System.Globalization;
using Microsoft.VisualBasic.FileIO;

namespace Microsoft.ML.BatchNorm.Samples.Data;

/// <summary>
/// Reads comma-separated classification data: per line, the features then an integer class label. Parsing is done
/// by <see cref="TextFieldParser"/> (quoted fields, surrounding white space), numbers in the invariant culture.
/// Two layouts: with scikit-learn's header line <c>rows,features,class names...</c> (wine_data.csv,
/// breast_cancer.csv, iris.csv) or without a header (digits.csv.gz).
/// </summary>
/// <remarks>Every error is an <see cref="InvalidDataException"/> whose message names the source, the line and the problem.</remarks>
public static class LabeledCsvReader
{
    /// <summary>Reads data whose first line is the header <c>rows,features,class name 0,class name 1,...</c>.</summary>
    /// <param name="reader">The text; not disposed.</param>
    /// <param name="sourceName">Name used in error messages (a file or resource name).</param>
    /// <param name="featureScale">Every feature is multiplied by this (e.g. 1/16 for pixel counts); positive and finite. Default 1.</param>
    /// <returns>The rows, with the header's class names.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> or <paramref name="sourceName"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="featureScale"/> is not positive and finite.</exception>
    /// <exception cref="InvalidDataException">The header is missing or malformed, a line has the wrong number of
    /// fields, a feature is not a finite number, a label is not an integer naming a class, or the row count differs
    /// from the header's.</exception>
    public static LabeledDataset ReadWithHeader(TextReader reader, string sourceName, float featureScale = 1f)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        CheckScale(featureScale);
        // Not disposed: disposing the parser would close the caller's reader.
        var parser = CreateParser(reader);
        var header = ReadRecord(parser, sourceName)
            ?? throw new InvalidDataException($"'{sourceName}' is empty; expected the header line 'rows,features,class names...'.");
        if (header.Fields.Length < 4)
            throw new InvalidDataException(
                $"'{sourceName}' line {header.Line}: the header needs the row count, the feature count and at least 2 class names; it has {header.Fields.Length} field(s).");
        int rowCount = ParseHeaderCount(header, 0, "row count", sourceName);
        int featureCount = ParseHeaderCount(header, 1, "feature count", sourceName);
        string[] classNames = header.Fields[2..];
        int emptyName = Array.FindIndex(classNames, string.IsNullOrWhiteSpace);
        if (emptyName >= 0)
            throw new InvalidDataException($"'{sourceName}' line {header.Line}: class name {emptyName} is empty.");

        var dataset = ReadRows(parser, sourceName, featureCount, classNames, featureScale, rowCount);
        if (dataset.Count != rowCount)
            throw new InvalidDataException(
                $"'{sourceName}': the header promises {rowCount} rows but the file holds {dataset.Count} (truncated or edited?).");
        return dataset;
    }

    /// <summary>Reads data without a header line: every line is <paramref name="featureCount"/> features and the label.</summary>
    /// <param name="reader">The text; not disposed.</param>
    /// <param name="sourceName">Name used in error messages.</param>
    /// <param name="featureCount">Features per line, at least 1.</param>
    /// <param name="classNames">Name of each class (at least 2); labels must be in <c>[0, classNames.Count)</c>.</param>
    /// <param name="featureScale">Every feature is multiplied by this; positive and finite. Default 1.</param>
    /// <returns>The rows (none if the text is empty).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="featureCount"/> is below 1, fewer than 2 classes
    /// are named, or <paramref name="featureScale"/> is not positive and finite.</exception>
    /// <exception cref="InvalidDataException">A line has the wrong number of fields, a feature is not a finite
    /// number, or a label is not an integer naming a class.</exception>
    public static LabeledDataset ReadWithoutHeader(TextReader reader, string sourceName, int featureCount,
        IReadOnlyList<string> classNames, float featureScale = 1f)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        if (classNames.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(classNames), classNames.Count, "At least 2 classes are needed.");
        CheckScale(featureScale);
        // Not disposed: disposing the parser would close the caller's reader.
        var parser = CreateParser(reader);
        return ReadRows(parser, sourceName, featureCount, classNames, featureScale, expectedRows: 0);
    }

    private static void CheckScale(float featureScale)
    {
        if (!(featureScale > 0 && float.IsFinite(featureScale)))
            throw new ArgumentOutOfRangeException(nameof(featureScale), featureScale, "The feature scale must be positive and finite.");
    }

    private static TextFieldParser CreateParser(TextReader reader)
    {
        var parser = new TextFieldParser(reader)
        {
            TextFieldType = FieldType.Delimited,
            HasFieldsEnclosedInQuotes = true,
            TrimWhiteSpace = true,
        };
        parser.SetDelimiters(",");
        return parser;
    }

    private readonly record struct Record(long Line, string[] Fields);

    private static Record? ReadRecord(TextFieldParser parser, string sourceName)
    {
        // LineNumber is the line the parser reads next (blank lines, which it skips, can make it point a little early).
        long line = parser.LineNumber;
        try
        {
            return parser.ReadFields() is { } fields ? new Record(line, fields) : null;
        }
        catch (MalformedLineException e)
        {
            throw new InvalidDataException($"'{sourceName}' line {e.LineNumber}: malformed CSV ({e.Message}).", e);
        }
    }

    private static int ParseHeaderCount(Record header, int field, string what, string sourceName)
    {
        if (!int.TryParse(header.Fields[field], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
            throw new InvalidDataException(
                $"'{sourceName}' line {header.Line}: the header's {what} '{header.Fields[field]}' is not a positive integer.");
        return value;
    }

    private static LabeledDataset ReadRows(TextFieldParser parser, string sourceName, int featureCount,
        IReadOnlyList<string> classNames, float featureScale, int expectedRows)
    {
        var features = new List<float>(expectedRows * featureCount);
        var labels = new List<int>(expectedRows);
        while (ReadRecord(parser, sourceName) is { } record)
        {
            if (record.Fields.Length != featureCount + 1)
                throw new InvalidDataException(
                    $"'{sourceName}' line {record.Line}: expected {featureCount + 1} fields ({featureCount} features, then the label); found {record.Fields.Length}.");
            for (int j = 0; j < featureCount; j++)
            {
                string text = record.Fields[j];
                if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                    throw new InvalidDataException($"'{sourceName}' line {record.Line}, feature {j}: '{text}' is not a number.");
                float scaled = value * featureScale;
                if (!float.IsFinite(scaled))
                    throw new InvalidDataException($"'{sourceName}' line {record.Line}, feature {j}: '{text}' is not a finite value.");
                features.Add(scaled);
            }
            string labelText = record.Fields[featureCount];
            if (!int.TryParse(labelText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label)
                || label < 0 || label >= classNames.Count)
                throw new InvalidDataException(
                    $"'{sourceName}' line {record.Line}: label '{labelText}' is not a class index in 0..{classNames.Count - 1}.");
            labels.Add(label);
        }
        return new LabeledDataset(features.ToArray(), labels.ToArray(), featureCount, classNames);
    }
}
