using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

/// <summary>
/// Compares the visible columns of a trainer's output with a built-in trainer's output over the same input: order,
/// names, types, annotations (kinds, types, values, order). (Where hidden columns sit differs: ML.NET's scorers keep a
/// hidden predecessor next to its replacement, ours appends after the input; readers by name see the same.)
/// </summary>
internal static class TaskSchemaAssert
{
    public static void AddedColumnsEqual(DataViewSchema input, DataViewSchema expected, DataViewSchema actual, string what)
    {
        var expectedAdded = expected.Where(c => !c.IsHidden).ToArray();
        var actualAdded = actual.Where(c => !c.IsHidden).ToArray();
        Assert.IsTrue(expectedAdded.Any(c => c.Name == "Score") && !input.Any(c => c.Name == "Score" && !c.IsHidden && c.Index == expected["Score"].Index), $"{what}: the built-in added a Score");
        CollectionAssert.AreEqual(expectedAdded.Select(c => c.Name).ToArray(), actualAdded.Select(c => c.Name).ToArray(), $"{what}: column names and order");
        for (int i = 0; i < expectedAdded.Length; i++)
        {
            var e = expectedAdded[i];
            var a = actualAdded[i];
            Assert.AreEqual(e.Type, a.Type, $"{what}: type of {e.Name}");
            CollectionAssert.AreEqual(Describe(e.Annotations), Describe(a.Annotations), $"{what}: annotations of {e.Name}");
        }
    }

    /// <summary>"kind: type = value" for each annotation, in order.</summary>
    public static string[] Describe(DataViewSchema.Annotations annotations) =>
        annotations.Schema.Select(c => $"{c.Name}: {c.Type} = {Value(annotations, c)}").ToArray();

    private static string Value(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        switch (column.Type)
        {
            case TextDataViewType:
                var text = default(ReadOnlyMemory<char>);
                annotations.GetValue(column.Name, ref text);
                return text.ToString();
            case BooleanDataViewType:
                bool flag = false;
                annotations.GetValue(column.Name, ref flag);
                return flag.ToString();
            case KeyDataViewType when column.Type.RawType == typeof(uint):
                uint key = 0;
                annotations.GetValue(column.Name, ref key);
                return key.ToString();
            default:
                return "(not compared)";
        }
    }
}
