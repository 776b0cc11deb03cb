using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.TestFramework;

/// <summary>
/// Compares data views value by value: numbers (Single, Double, integers, and vectors of them) within a
/// <see cref="NumericTolerance"/>, keys, text and Booleans exactly. Failures name the column, the row and the slot.
/// </summary>
public static class DataViewAssert
{
    /// <summary>
    /// Asserts that every column of <paramref name="columns"/> (default: every visible column of
    /// <paramref name="expected"/>) exists in both views with the same type and holds the same values in every row.
    /// </summary>
    /// <param name="expected">The reference data.</param>
    /// <param name="actual">The data under test.</param>
    /// <param name="tolerance">Allowed numeric difference.</param>
    /// <param name="columns">Column names to compare, or null for all visible columns of <paramref name="expected"/>.</param>
    /// <param name="what">Describes the comparison in failure messages.</param>
    public static void AreEqual(IDataView expected, IDataView actual, NumericTolerance tolerance,
        IEnumerable<string>? columns = null, string what = "data")
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var names = (columns ?? expected.Schema.Where(c => !c.IsHidden).Select(c => c.Name)).ToArray();
        foreach (var name in names)
        {
            var expectedColumn = expected.Schema.GetColumnOrNull(name);
            var actualColumn = actual.Schema.GetColumnOrNull(name);
            Assert.IsNotNull(expectedColumn, $"{what}: column '{name}' is missing from the expected data.");
            Assert.IsNotNull(actualColumn, $"{what}: column '{name}' is missing from the actual data.");
            Assert.AreEqual(expectedColumn.Value.Type, actualColumn.Value.Type, $"{what}: column '{name}' has a different type.");
        }
        var expectedValues = DataViewReader.Read(expected, names);
        var actualValues = DataViewReader.Read(actual, names);
        foreach (var name in names)
            AreEqual(expectedValues[name], actualValues[name], tolerance, $"{what}, column '{name}'");
    }

    /// <summary>
    /// Asserts that column <paramref name="expectedColumn"/> of <paramref name="expected"/> and column
    /// <paramref name="actualColumn"/> of <paramref name="actual"/> hold the same values (their types may differ,
    /// for example Single against Double).
    /// </summary>
    public static void ColumnsAreEqual(IDataView expected, string expectedColumn, IDataView actual, string actualColumn,
        NumericTolerance tolerance, string what = "data")
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        AreEqual(DataViewReader.ReadColumn(expected, expectedColumn), DataViewReader.ReadColumn(actual, actualColumn),
            tolerance, $"{what}, column '{actualColumn}' against '{expectedColumn}'");
    }

    /// <summary>
    /// Asserts that two columns read by <see cref="DataViewReader"/> agree: same row count, same slot count per
    /// row, and every value within <paramref name="tolerance"/> (non-numbers exactly).
    /// </summary>
    /// <param name="expected">Reference cells, one per row.</param>
    /// <param name="actual">Cells under test.</param>
    /// <param name="tolerance">Allowed numeric difference.</param>
    /// <param name="what">Names the column in failure messages.</param>
    public static void AreEqual(IReadOnlyList<object?[]> expected, IReadOnlyList<object?[]> actual, NumericTolerance tolerance, string what)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Assert.AreEqual(expected.Count, actual.Count, $"{what}: row count.");
        for (int row = 0; row < expected.Count; row++)
        {
            var e = expected[row];
            var a = actual[row];
            Assert.AreEqual(e.Length, a.Length, $"{what}, row {row}: slot count.");
            for (int slot = 0; slot < e.Length; slot++)
            {
                if (!ValuesEqual(e[slot], a[slot], tolerance))
                {
                    string where = e.Length == 1 ? $"row {row}" : $"row {row}, slot {slot}";
                    Assert.Fail($"{what}, {where}: expected {CellReader.Format(e[slot])}, actual {CellReader.Format(a[slot])} " +
                        $"(tolerance: {tolerance}).");
                }
            }
        }
    }

    private static bool ValuesEqual(object? expected, object? actual, NumericTolerance tolerance)
        => expected is double e && actual is double a ? tolerance.IsWithin(e, a) : Equals(expected, actual);
}
