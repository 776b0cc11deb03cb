using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.TestFramework;

/// <summary>
/// Conformance checks for any ML.NET estimator, written against the public API: the analogue of ML.NET's internal
/// <c>TestEstimatorCore</c>. Checks schema propagation against the fitted output, the row-to-row mapper against
/// <c>Transform</c>, refusal of bad input, save and load, and cursors.
/// </summary>
public static class EstimatorChecks
{
    private static readonly Type[] SchemaErrors = [typeof(ArgumentOutOfRangeException), typeof(InvalidOperationException)];

    /// <summary>
    /// Runs every check and returns the transformer fitted on <paramref name="validFitInput"/>:
    /// (a) the estimator's <c>GetOutputSchema</c> of the input's shape agrees with the fitted transformer's output
    /// (names, vector kind, item type, key-ness, annotations delivered only if promised), for every input given;
    /// (b) <c>GetOutputSchema</c>, <c>Transform(...).Schema</c> and, for a row-to-row mapper, its
    /// <c>OutputSchema</c> are the same (names, types, hidden-ness, annotation kinds), and the mapper's rows hold
    /// the values <c>Transform</c> gives;
    /// (c) <paramref name="invalidInput"/> makes <c>Fit</c> and <c>GetOutputSchema</c> throw
    /// <see cref="ArgumentOutOfRangeException"/> or <see cref="InvalidOperationException"/>;
    /// (d) save and load give the same schema and data (see <see cref="EstimatorCheckOptions.Save"/>);
    /// (e) a cursor over one column reads what a cursor over all reads, and reading twice gives the same values.
    /// </summary>
    /// <param name="estimator">The estimator under test.</param>
    /// <param name="validFitInput">Data to fit on (also transformed).</param>
    /// <param name="validTransformInput">Other data the fitted transformer must accept (optional).</param>
    /// <param name="invalidInput">Data with a missing or wrong-type column (optional).</param>
    /// <param name="options">Tolerance, save expectation, context; defaults when null.</param>
    /// <returns>The transformer fitted on <paramref name="validFitInput"/>.</returns>
    public static ITransformer Run(IEstimator<ITransformer> estimator, IDataView validFitInput, IDataView? validTransformInput = null,
        IDataView? invalidInput = null, EstimatorCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(validFitInput);
        options ??= new EstimatorCheckOptions();
        var context = options.Context ?? new MLContext(seed: 1);

        var transformer = estimator.Fit(validFitInput);
        Assert.IsNotNull(transformer, "Fit returned null.");
        var inputs = new List<(IDataView Data, string Name)> { (validFitInput, "fit input") };
        if (validTransformInput is not null)
            inputs.Add((validTransformInput, "transform input"));

        foreach (var (data, name) in inputs)
        {
            var outputSchema = transformer.GetOutputSchema(data.Schema);
            var transformed = transformer.Transform(data);
            SchemaAssert.AreEqual(outputSchema, transformed.Schema, $"{name}: GetOutputSchema against Transform(...).Schema");
            SchemaAssert.ShapesAgree(estimator.GetOutputSchema(SchemaShapes.FromSchema(data.Schema)), SchemaShapes.FromSchema(outputSchema),
                $"{name}: estimator.GetOutputSchema against the fitted output");
            if (transformer.IsRowToRowMapper)
                CheckRowToRowMapper(transformer, data, transformed, name);
            CheckCursors(transformed, name);
        }

        CheckSave(transformer, validTransformInput ?? validFitInput, context, options);

        if (invalidInput is not null)
        {
            ExceptionAssert.ThrowsOneOf(() => estimator.GetOutputSchema(SchemaShapes.FromSchema(invalidInput.Schema)), SchemaErrors,
                "GetOutputSchema on the invalid input's shape");
            ExceptionAssert.ThrowsOneOf(() => estimator.Fit(invalidInput), SchemaErrors, "Fit on the invalid input");
        }
        if (options.InvalidTransformInput is { } invalidTransform)
        {
            ExceptionAssert.ThrowsOneOf(() => transformer.GetOutputSchema(invalidTransform.Schema), SchemaErrors,
                "the fitted transformer's GetOutputSchema on the invalid transform input");
            ExceptionAssert.ThrowsOneOf(() => DataViewReader.Read(transformer.Transform(invalidTransform)), SchemaErrors,
                "the fitted transformer's Transform on the invalid transform input");
        }
        return transformer;
    }

    /// <summary>
    /// Checks (b) for a row-to-row transformer: the mapper's input and output schemas, and that rows computed by
    /// the mapper over a cursor of the input hold exactly what <c>Transform</c> gives.
    /// </summary>
    public static void CheckRowToRowMapper(ITransformer transformer, IDataView input, IDataView transformed, string what)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(transformed);
        var mapper = transformer.GetRowToRowMapper(input.Schema);
        SchemaAssert.AreEqual(input.Schema, mapper.InputSchema, $"{what}: row-to-row mapper's InputSchema against the input");
        SchemaAssert.AreEqual(transformed.Schema, mapper.OutputSchema, $"{what}: row-to-row mapper's OutputSchema against Transform(...).Schema");

        var outputs = mapper.OutputSchema.Where(c => !c.IsHidden).ToArray();
        var expected = DataViewReader.Read(transformed, outputs.Select(c => c.Name));
        var actual = outputs.ToDictionary(c => c.Name, _ => new List<object?[]>());
        using (var cursor = input.GetRowCursor(mapper.GetDependencies(outputs)))
        using (var row = mapper.GetRow(cursor, outputs))
        {
            var readers = outputs.Select(c => (c.Name, Read: CellReader.Create(row, c))).ToArray();
            while (cursor.MoveNext())
            {
                foreach (var (name, read) in readers)
                    actual[name].Add(read());
            }
        }
        foreach (var column in outputs)
            DataViewAssert.AreEqual(expected[column.Name], actual[column.Name], NumericTolerance.Exact,
                $"{what}: row-to-row mapper against Transform, column '{column.Name}'");
    }

    /// <summary>
    /// Checks (e): reading all visible columns twice gives identical values; a cursor with only one column active
    /// has it active and reads the same values as the cursor over all; a cursor with no column active sees every
    /// row; <c>GetRowCount</c>, when known, is the number of rows.
    /// </summary>
    public static void CheckCursors(IDataView data, string what)
    {
        ArgumentNullException.ThrowIfNull(data);
        var first = DataViewReader.Read(data);
        var second = DataViewReader.Read(data);
        int rows = first.Count == 0 ? CountRows(data) : first.Values.First().Count;
        foreach (var (name, cells) in first)
            DataViewAssert.AreEqual(cells, second[name], NumericTolerance.Exact, $"{what}: second read of column '{name}'");

        foreach (var column in data.Schema.Where(c => !c.IsHidden))
        {
            using (var cursor = data.GetRowCursor([column]))
                Assert.IsTrue(cursor.IsColumnActive(column), $"{what}: column '{column.Name}' is not active in a cursor that asked for it.");
            DataViewAssert.AreEqual(first[column.Name], DataViewReader.ReadColumn(data, column.Name), NumericTolerance.Exact,
                $"{what}: cursor over column '{column.Name}' alone");
        }

        Assert.AreEqual(rows, CountRows(data), $"{what}: a cursor with no active column sees a different number of rows.");
        if (data.GetRowCount() is { } count)
            Assert.AreEqual(rows, count, $"{what}: GetRowCount.");
    }

    /// <summary>
    /// Checks (d) on <paramref name="input"/>: by default <c>Model.Save</c> to a stream and plain <c>Model.Load</c>
    /// in a fresh <see cref="MLContext"/>; the loaded input schema keeps the visible columns, and the loaded
    /// transformer gives the same output schema and, within the tolerance, the same data.
    /// </summary>
    public static void CheckSave(ITransformer transformer, IDataView input, MLContext context, EstimatorCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Save)
        {
            case SaveExpectation.NotChecked:
                return;
            case SaveExpectation.NotSupported:
                ExceptionAssert.Throws<NotSupportedException>(() => context.Model.Save(transformer, input.Schema, new MemoryStream()));
                return;
        }

        ITransformer loaded;
        if (options.SaveAndLoad is { } saveAndLoad)
        {
            loaded = saveAndLoad(transformer, input.Schema);
        }
        else
        {
            using var stream = new MemoryStream();
            context.Model.Save(transformer, input.Schema, stream);
            Assert.IsTrue(stream.Length > 0, "Model.Save wrote nothing.");
            stream.Position = 0;
            loaded = new MLContext(seed: 1).Model.Load(stream, out var loadedInputSchema);
            SchemaAssert.VisibleColumnsEqual(input.Schema, loadedInputSchema, "input schema stored with the model");
        }
        Assert.IsNotNull(loaded, "Loading returned null.");
        SchemaAssert.AreEqual(transformer.GetOutputSchema(input.Schema), loaded.GetOutputSchema(input.Schema),
            "output schema of the loaded transformer against the original");
        var expected = transformer.Transform(input);
        var actual = loaded.Transform(input);
        SchemaAssert.AreEqual(expected.Schema, actual.Schema, "Transform(...).Schema of the loaded transformer against the original");
        DataViewAssert.AreEqual(expected, actual, options.Tolerance, what: "loaded transformer's output against the original's");
    }

    private static int CountRows(IDataView data)
    {
        int rows = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
            rows++;
        return rows;
    }
}
