using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.TestFramework;

/// <summary>
/// Checks a fitted transformer over the data sources ML.NET really hands out, not only an in-memory list:
/// a <c>LoadFromTextFile</c> view (whose cursor sets are parallel and consolidated by <see cref="DataViewRow.Batch"/>),
/// and derived from each source a cache (<c>AppendCacheCheckpoint</c>), a seeded shuffle (<c>ShuffleRows</c>), a
/// filter (<c>FilterRowsByColumn</c>) and the test part of a <c>TrainTestSplit</c>. For each view the reference is
/// the transformer's row-to-row mapper applied to one row at a time of a serial cursor (what a PredictionEngine
/// does); against it:
/// (a) <c>Transform(view)</c> read by a serial cursor holds the same rows in the same order, exactly;
/// (b) <c>GetRowCursorSet(n)</c> of the output, read directly, keeps the cursor contract: positions count from 0 in
/// each cursor, batches never decrease within a cursor and never appear in two cursors, every row id appears once,
/// each row holds its reference values, and, where the input's own cursor set keeps the serial order when merged by
/// batch, the output's does too;
/// (c) <c>Preview</c> shows the reference's first rows.
/// </summary>
public static class DataSourceChecks
{
    /// <summary>Cursors asked for in (b): more than the cores of a small machine, so splitting really happens.</summary>
    public const int CursorSetSize = 4;

    /// <summary>Runs (a) to (c) over every source in <paramref name="sources"/> and the views derived from each.</summary>
    /// <param name="context">Makes the derived views.</param>
    /// <param name="transformer">A fitted row-to-row transformer (a chain of them included).</param>
    /// <param name="sources">Named sources, e.g. a <c>LoadFromTextFile</c> view and a <c>LoadFromEnumerable</c> one.</param>
    /// <param name="filterColumn">A Single column of the sources to filter on (rows with values in [lower, upper) are kept).</param>
    /// <param name="lower">Lower bound of the filter.</param>
    /// <param name="upper">Upper bound of the filter.</param>
    /// <returns>The number of views checked.</returns>
    public static int Run(MLContext context, ITransformer transformer, IEnumerable<(string Name, IDataView Data)> sources,
        string filterColumn, double lower, double upper)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(transformer);
        ArgumentNullException.ThrowIfNull(sources);
        Assert.IsTrue(transformer.IsRowToRowMapper, "The data-source checks compare against the row-to-row mapper.");
        int views = 0;
        foreach (var (name, data) in sources)
        {
            foreach (var (derived, view) in DerivedViews(context, data, filterColumn, lower, upper))
            {
                Check(transformer, view, $"{name}{derived}");
                views++;
            }
        }
        return views;
    }

    /// <summary>The source itself, then the cache, shuffle, filter and split views made from it.</summary>
    public static IEnumerable<(string Name, IDataView Data)> DerivedViews(MLContext context, IDataView source, string filterColumn,
        double lower, double upper)
    {
        yield return ("", source);
        yield return (" -> AppendCacheCheckpoint", context.Transforms.CopyColumns("CacheProbe", filterColumn)
            .AppendCacheCheckpoint(context).Fit(source).Transform(source));
        yield return (" -> ShuffleRows", context.Data.ShuffleRows(source, seed: 7));
        yield return ($" -> FilterRowsByColumn({filterColumn})", context.Data.FilterRowsByColumn(source, filterColumn, lower, upper));
        yield return (" -> TrainTestSplit test part", context.Data.TrainTestSplit(source, testFraction: 0.3, seed: 5).TestSet);
    }

    /// <summary>Checks (a) to (c) for one input view.</summary>
    public static void Check(ITransformer transformer, IDataView input, string what)
    {
        var mapper = transformer.GetRowToRowMapper(input.Schema);
        var columns = mapper.OutputSchema.Where(c => !c.IsHidden).ToArray();
        var reference = ReadThroughMapper(mapper, input, columns);
        Assert.IsTrue(reference.Count > 0, $"{what}: the view has no rows.");

        var transformed = transformer.Transform(input);
        var outputColumns = columns.Select(c => transformed.Schema[c.Name]).ToArray();
        using (var cursor = transformed.GetRowCursor(outputColumns))
            AssertRowsEqual(reference, ReadCursor(cursor, outputColumns), outputColumns, $"{what}: Transform read serially against the row-by-row reference");

        CheckCursorSet(input, transformed, outputColumns, reference, what);
        CheckPreview(transformed, outputColumns, reference, what);
    }

    /// <summary>One row of a view: its id, batch and position, and its cells (see <see cref="CellReader"/>).</summary>
    public sealed record Row(DataViewRowId Id, long Batch, long Position, object?[][] Cells);

    // The reference: a serial cursor of the input, each row pushed through the mapper on its own.
    private static List<Row> ReadThroughMapper(IRowToRowMapper mapper, IDataView input, DataViewSchema.Column[] columns)
    {
        using var cursor = input.GetRowCursor(mapper.GetDependencies(columns));
        using var row = mapper.GetRow(cursor, columns);
        return ReadRows(cursor, row, columns);
    }

    private static List<Row> ReadCursor(DataViewRowCursor cursor, DataViewSchema.Column[] columns) => ReadRows(cursor, cursor, columns);

    private static List<Row> ReadRows(DataViewRowCursor cursor, DataViewRow row, DataViewSchema.Column[] columns)
    {
        var readers = columns.Select(c => CellReader.Create(row, c)).ToArray();
        var id = row.GetIdGetter();
        var rows = new List<Row>();
        while (cursor.MoveNext())
        {
            DataViewRowId value = default;
            id(ref value);
            rows.Add(new Row(value, row.Batch, row.Position, readers.Select(read => read()).ToArray()));
        }
        Assert.AreEqual(-1, cursor.Position, "A cursor's Position is -1 once MoveNext has returned false.");
        return rows;
    }

    private static void CheckCursorSet(IDataView input, IDataView transformed, DataViewSchema.Column[] columns, List<Row> reference, string what)
    {
        var cursors = transformed.GetRowCursorSet(columns, CursorSetSize);
        var parts = new List<List<Row>>();
        try
        {
            foreach (var cursor in cursors)
            {
                foreach (var column in columns)
                    Assert.IsTrue(cursor.IsColumnActive(column), $"{what}: column '{column.Name}' is not active in a cursor of the set.");
                parts.Add(ReadCursor(cursor, columns));
            }
        }
        finally
        {
            foreach (var cursor in cursors) cursor.Dispose();
        }
        string set = $"{what}: GetRowCursorSet({CursorSetSize}) gave {parts.Count} cursors";
        var batchOwner = new Dictionary<long, int>();
        for (int c = 0; c < parts.Count; c++)
        {
            for (int i = 0; i < parts[c].Count; i++)
            {
                Row row = parts[c][i];
                Assert.AreEqual(i, row.Position, $"{set}; cursor {c}, its row {i}: Position.");
                if (i > 0)
                    Assert.IsTrue(row.Batch >= parts[c][i - 1].Batch, $"{set}; cursor {c}, its row {i}: Batch went down from {parts[c][i - 1].Batch} to {row.Batch}.");
                if (batchOwner.TryGetValue(row.Batch, out int owner))
                    Assert.AreEqual(owner, c, $"{set}; Batch {row.Batch} appears in cursors {owner} and {c}.");
                else
                    batchOwner[row.Batch] = c;
            }
        }

        var byId = reference.ToDictionary(r => r.Id);
        Assert.AreEqual(reference.Count, byId.Count, $"{what}: row ids of the serial reference are not unique.");
        var all = parts.SelectMany(p => p).ToList();
        Assert.AreEqual(reference.Count, all.Count, $"{set}: row count.");
        var seen = new HashSet<DataViewRowId>();
        foreach (Row row in all)
        {
            Assert.IsTrue(seen.Add(row.Id), $"{set}: row id {row.Id} served twice.");
            Assert.IsTrue(byId.TryGetValue(row.Id, out Row? expected), $"{set}: row id {row.Id} is not in the serial reference.");
            AssertCellsEqual(expected!.Cells, row.Cells, columns, $"{set}; row id {row.Id}");
        }

        // Merging by batch must give the serial order wherever the input's own cursor set allows it.
        if (InputSetKeepsOrder(input, reference.Count))
        {
            var merged = parts.SelectMany((p, c) => p.Select(r => (r.Batch, Cursor: c, r.Position, r.Id)))
                .OrderBy(r => r.Batch).ThenBy(r => r.Position).Select(r => r.Id).ToList();
            for (int i = 0; i < merged.Count; i++)
                Assert.AreEqual(reference[i].Id, merged[i], $"{set}; merged by Batch, row {i} is not the serial cursor's row {i}.");
        }
    }

    // Whether the input view's own cursor set, merged by batch, reproduces its serial cursor's row ids.
    private static bool InputSetKeepsOrder(IDataView input, int rows)
    {
        var serial = new List<DataViewRowId>(rows);
        using (var cursor = input.GetRowCursor([]))
        {
            var id = cursor.GetIdGetter();
            while (cursor.MoveNext())
            {
                DataViewRowId value = default;
                id(ref value);
                serial.Add(value);
            }
        }
        var merged = new List<(long Batch, long Position, DataViewRowId Id)>();
        foreach (var cursor in input.GetRowCursorSet([], CursorSetSize))
        {
            using (cursor)
            {
                var id = cursor.GetIdGetter();
                while (cursor.MoveNext())
                {
                    DataViewRowId value = default;
                    id(ref value);
                    merged.Add((cursor.Batch, cursor.Position, value));
                }
            }
        }
        return merged.OrderBy(r => r.Batch).ThenBy(r => r.Position).Select(r => r.Id).SequenceEqual(serial);
    }

    private static void CheckPreview(IDataView transformed, DataViewSchema.Column[] columns, List<Row> reference, string what)
    {
        const int PreviewRows = 20;
        var preview = transformed.Preview(PreviewRows);
        Assert.AreEqual(Math.Min(PreviewRows, reference.Count), preview.RowView.Length, $"{what}: Preview row count.");
        for (int i = 0; i < preview.RowView.Length; i++)
        {
            // A preview row lists hidden columns too, under the same name: the visible one comes last.
            var values = new Dictionary<string, object>();
            foreach (var (name, value) in preview.RowView[i].Values)
                values[name] = value;
            for (int c = 0; c < columns.Length; c++)
            {
                if (columns[c].Type.RawType != typeof(float) && columns[c].Type.GetItemType().RawType != typeof(float))
                    continue;   // Preview boxes other types in its own ways; Single values and vectors are compared
                object?[] cell = values[columns[c].Name] switch
                {
                    float f => [(double)f],
                    VBuffer<float> v => v.DenseValues().Select(x => (object?)(double)x).ToArray(),
                    var other => throw new AssertFailedException($"{what}: Preview of '{columns[c].Name}' is {other?.GetType().Name}."),
                };
                AssertCellsEqual([reference[i].Cells[c]], [cell], [columns[c]], $"{what}: Preview row {i}");
            }
        }
    }

    private static void AssertRowsEqual(List<Row> expected, List<Row> actual, DataViewSchema.Column[] columns, string what)
    {
        Assert.AreEqual(expected.Count, actual.Count, $"{what}: row count.");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.AreEqual(expected[i].Id, actual[i].Id, $"{what}: row {i} has another row's id (rows out of order).");
            Assert.AreEqual(i, actual[i].Position, $"{what}: row {i}: Position.");
            AssertCellsEqual(expected[i].Cells, actual[i].Cells, columns, $"{what}, row {i}");
        }
    }

    private static void AssertCellsEqual(object?[][] expected, object?[][] actual, DataViewSchema.Column[] columns, string what)
    {
        for (int c = 0; c < expected.Length; c++)
            DataViewAssert.AreEqual([expected[c]], [actual[c]], NumericTolerance.Exact, $"{what}, column '{columns[c].Name}'");
    }

    private static DataViewType GetItemType(this DataViewType type) => type is VectorDataViewType vector ? vector.ItemType : type;
}
