using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

/// <summary>
/// Compares the visible columns of a trainer's output with a built-in trainer's output over the same input: order,
/// names, types, annotations (kinds, types, values and order; every value is read, vectors included). (Where hidden
/// columns sit differs: ML.NET's scorers keep a hidden predecessor next to its replacement, ours appends after the
/// input; readers by name see the same.)
/// </summary>
internal static class TaskSchemaAssert
{
    public static void AddedColumnsEqual(DataViewSchema input, DataViewSchema expected, DataViewSchema actual, string what)
    {
        var expectedAdded = expected.Where(c => !c.IsHidden).ToArray();
        var actualAdded = actual.Where(c => !c.IsHidden).ToArray();
        Assert.IsTrue(expectedAdded.Any(c => c.Name == "Score") && !input.Any(c => c.Name == "Score" && !c.IsHidden && c.Index == expected["Score"].Index), $"{what}: the built-in added a Score");
        Assert.AreEqual(string.Join(", ", expectedAdded.Select(c => c.Name)), string.Join(", ", actualAdded.Select(c => c.Name)), $"{what}: column names and order");
        for (int i = 0; i < expectedAdded.Length; i++)
        {
            var e = expectedAdded[i];
            var a = actualAdded[i];
            Assert.AreEqual(e.Type, a.Type, $"{what}: type of {e.Name}");
            Assert.AreEqual(string.Join("; ", Describe(e.Annotations)), string.Join("; ", Describe(a.Annotations)), $"{what}: annotations of {e.Name}");
        }
    }

    /// <summary>"kind: type = value" for each annotation, in order (every value read, see <see cref="AnnotationText"/>).</summary>
    public static string[] Describe(DataViewSchema.Annotations annotations) => AnnotationText.Describe(annotations);
}
