using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.TestFramework;

/// <summary>Assertions on schemas and schema shapes, with messages that name the column and the difference.</summary>
public static class SchemaAssert
{
    /// <summary>
    /// Asserts that the shape an estimator promised agrees with the shape its fitted transformer delivered: the same
    /// column names, and per column the same vector kind, item type and key-ness. Annotations may be promised and
    /// not delivered (as ML.NET's own check allows), but every delivered annotation must have been promised with
    /// the same shape.
    /// </summary>
    /// <param name="promised">The estimator's <c>GetOutputSchema(SchemaShape)</c>.</param>
    /// <param name="delivered">The shape of the transformer's output schema (<see cref="SchemaShapes.FromSchema"/>).</param>
    /// <param name="what">Names the comparison in failure messages.</param>
    public static void ShapesAgree(SchemaShape promised, SchemaShape delivered, string what)
    {
        ArgumentNullException.ThrowIfNull(promised);
        ArgumentNullException.ThrowIfNull(delivered);
        var promisedByName = ByName(promised, what + " (promised)");
        var deliveredByName = ByName(delivered, what + " (delivered)");
        var missing = promisedByName.Keys.Except(deliveredByName.Keys).ToArray();
        var extra = deliveredByName.Keys.Except(promisedByName.Keys).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
            Assert.Fail($"{what}: columns promised but not delivered: [{Quote(missing)}]; delivered but not promised: [{Quote(extra)}].");
        foreach (var (name, p) in promisedByName)
        {
            var d = deliveredByName[name];
            ColumnShapesEqual(p, d, $"{what}, column '{name}'");
            foreach (var annotation in d.Annotations)
            {
                var promisedAnnotation = p.Annotations.FirstOrDefault(a => a.Name == annotation.Name);
                Assert.IsNotNull(promisedAnnotation.Name,
                    $"{what}, column '{name}': annotation '{annotation.Name}' is delivered but was not promised (promised: [{string.Join(", ", p.Annotations.Select(a => a.Name))}]).");
                ColumnShapesEqual(promisedAnnotation, annotation, $"{what}, column '{name}', annotation '{annotation.Name}'");
            }
        }
    }

    /// <summary>
    /// Asserts that two schemas are the same column for column, hidden columns included: count, then per index
    /// the name, the type, hidden-ness and (when <paramref name="compareAnnotations"/>) the annotation kinds and
    /// their types.
    /// </summary>
    public static void AreEqual(DataViewSchema expected, DataViewSchema actual, string what, bool compareAnnotations = true)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Assert.AreEqual(expected.Count, actual.Count,
            $"{what}: column count (expected [{Describe(expected)}], actual [{Describe(actual)}]).");
        for (int i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var a = actual[i];
            Assert.AreEqual(e.Name, a.Name, $"{what}: name of column {i}.");
            Assert.AreEqual(e.Type, a.Type, $"{what}, column '{e.Name}' (index {i}): type.");
            Assert.AreEqual(e.IsHidden, a.IsHidden, $"{what}, column '{e.Name}' (index {i}): hidden-ness.");
            if (compareAnnotations)
            {
                var expectedKinds = e.Annotations.Schema.Select(c => $"{c.Name}: {c.Type}").Order().ToArray();
                var actualKinds = a.Annotations.Schema.Select(c => $"{c.Name}: {c.Type}").Order().ToArray();
                Assert.AreEqual(string.Join("; ", expectedKinds), string.Join("; ", actualKinds),
                    $"{what}, column '{e.Name}' (index {i}): annotations.");
            }
        }
    }

    /// <summary>Asserts that the visible columns of two schemas have the same names and types, in the same order.</summary>
    public static void VisibleColumnsEqual(DataViewSchema expected, DataViewSchema actual, string what)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var e = expected.Where(c => !c.IsHidden).ToArray();
        var a = actual.Where(c => !c.IsHidden).ToArray();
        Assert.AreEqual(string.Join(", ", e.Select(c => c.Name)), string.Join(", ", a.Select(c => c.Name)), $"{what}: visible columns.");
        for (int i = 0; i < e.Length; i++)
            Assert.AreEqual(e[i].Type, a[i].Type, $"{what}, column '{e[i].Name}': type.");
    }

    /// <summary>Describes a schema's columns (name: type, hidden ones marked) for messages.</summary>
    public static string Describe(DataViewSchema schema)
        => string.Join(", ", schema.Select(c => $"{c.Name}: {c.Type}{(c.IsHidden ? " (hidden)" : "")}"));

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    private static Dictionary<string, SchemaShape.Column> ByName(SchemaShape shape, string what)
    {
        var result = new Dictionary<string, SchemaShape.Column>();
        foreach (var column in shape)
        {
            if (!result.TryAdd(column.Name, column))
                Assert.Fail($"{what}: column '{column.Name}' appears twice in the shape.");
        }
        return result;
    }

    private static void ColumnShapesEqual(SchemaShape.Column promised, SchemaShape.Column delivered, string what)
    {
        Assert.AreEqual(promised.Kind, delivered.Kind, $"{what}: vector kind.");
        Assert.AreEqual(promised.ItemType, delivered.ItemType, $"{what}: item type.");
        Assert.AreEqual(promised.IsKey, delivered.IsKey, $"{what}: key-ness.");
    }
}
