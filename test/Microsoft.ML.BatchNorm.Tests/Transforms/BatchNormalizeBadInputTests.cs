using Microsoft.ML.TestFramework;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>Every refusal names the column and the problem, with ML.NET's exception types.</summary>
[TestClass]
public sealed class BatchNormalizeBadInputTests
{
    private static readonly MLContext Ml = new(seed: 1);

    private static float[][] Rows(int count, int slots = 3) => TransformTestData.Gaussian(count, new double[slots], Enumerable.Repeat(1.0, slots).ToArray(), seed: 61);

    [TestMethod]
    public void MissingColumn()
    {
        var data = TransformTestData.Vectors("Other", Rows(5));
        var estimator = Ml.Transforms.BatchNormalize("Out", "Features");
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data), "'Features'", "not found");
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShapes.FromSchema(data.Schema)),
            "'Features'", "not found");
    }

    [TestMethod]
    public void TextColumn() => AssertWrongType(new InMemoryDataBuilder().AddText("Features", "a", "b").Build());

    [TestMethod]
    public void DoubleColumn() => AssertWrongType(new InMemoryDataBuilder().AddDouble("Features", 1, 2).Build());

    [TestMethod]
    public void DoubleVectorColumn() => AssertWrongType(new InMemoryDataBuilder().AddDoubleVector("Features", [[1, 2], [3, 4]]).Build());

    [TestMethod]
    public void KeyColumn() => AssertWrongType(new InMemoryDataBuilder().AddKey("Features", 3, 1, 2, 3).Build());

    [TestMethod]
    public void VariableLengthVector()
    {
        var data = new InMemoryDataBuilder().AddSingleVector("Features", [[1, 2], [3, 4, 5]], variableSize: true).Build();
        AssertWrongType(data, "variable");
    }

    private static void AssertWrongType(IDataView data, string? problem = null)
    {
        string actualType = data.Schema["Features"].Type.ToString()!;
        string[] parts = problem is null ? ["'Features'", actualType, "Single"] : ["'Features'", actualType, "Single", problem];
        var estimator = Ml.Transforms.BatchNormalize("Out", "Features");
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data), parts);
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShapes.FromSchema(data.Schema)), "'Features'", "Single");
    }

    [TestMethod]
    public void EmptyDataAtFit()
    {
        var data = new EmptyDataView(TransformTestData.Vectors("Features", Rows(1)).Schema);
        ExceptionAssert.Throws<InvalidOperationException>(() => Ml.Transforms.BatchNormalize("Features").Fit(data), "'Features'", "no rows");
    }

    [TestMethod]
    public void OneRowWithUnbiasedVariance()
    {
        var data = TransformTestData.Vectors("Features", Rows(1));
        ExceptionAssert.Throws<InvalidOperationException>(() => Ml.Transforms.BatchNormalize("Features", useUnbiasedVariance: true).Fit(data),
            "'Features'", "2 rows");
    }

    [TestMethod]
    [DataRow(float.NaN, DisplayName = "NaN")]
    [DataRow(float.PositiveInfinity, DisplayName = "+infinity")]
    public void NonFiniteValueInDenseVector(float bad)
    {
        var rows = Rows(10);
        rows[7][2] = bad;
        ExceptionAssert.Throws<InvalidOperationException>(
            () => Ml.Transforms.BatchNormalize("Features").Fit(TransformTestData.Vectors("Features", rows)),
            "'Features'", "row 7", "slot 2", bad.ToString());
    }

    [TestMethod]
    [DataRow(float.NaN, DisplayName = "NaN")]
    [DataRow(float.PositiveInfinity, DisplayName = "+infinity")]
    public void NonFiniteValueInSparseVector(float bad)
    {
        var rows = Rows(10, slots: 6);
        foreach (var row in rows)
            Array.Clear(row, 0, 3);
        rows[4][5] = bad;
        var data = new InMemoryDataBuilder().AddSparseSingleVector("Features", 6, InMemoryDataBuilder.ToSparse(rows)).Build();
        ExceptionAssert.Throws<InvalidOperationException>(() => Ml.Transforms.BatchNormalize("Features").Fit(data),
            "'Features'", "row 4", "slot 5");
    }

    [TestMethod]
    public void NonFiniteValueInScalarColumn()
    {
        var values = TransformTestData.Slot(Rows(10), 0);
        values[3] = float.NaN;
        ExceptionAssert.Throws<InvalidOperationException>(
            () => Ml.Transforms.BatchNormalize("Y", "X").Fit(new InMemoryDataBuilder().AddSingle("X", values).Build()),
            "'X'", "row 3");
    }

    [TestMethod]
    [DataRow("Scale (gamma)", DisplayName = "gamma")]
    [DataRow("Offset (beta)", DisplayName = "beta")]
    [DataRow("Mean", DisplayName = "mean")]
    [DataRow("Variance", DisplayName = "variance")]
    public void OptionArrayOfTheWrongLength(string option)
    {
        var column = new BatchNormalizingEstimator.ColumnOptions("Features");
        float[] two = [1, 1];
        switch (option)
        {
            case "Scale (gamma)": column.Scale = two; break;
            case "Offset (beta)": column.Offset = two; break;
            // Mean and Variance go together; the other one has the right length.
            case "Mean": column.Mean = two; column.Variance = [1, 1, 1]; break;
            default: column.Mean = [0, 0, 0]; column.Variance = two; break;
        }
        var estimator = Ml.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options { Columns = [column] });
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(TransformTestData.Vectors("Features", Rows(5))),
            "'Features'", option, "3 slot", "2 value");
    }

    [TestMethod]
    [DataRow(0f, DisplayName = "zero")]
    [DataRow(-1e-5f, DisplayName = "negative")]
    [DataRow(float.NaN, DisplayName = "NaN")]
    [DataRow(float.PositiveInfinity, DisplayName = "infinity")]
    public void BadEpsilon(float epsilon)
    {
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => Ml.Transforms.BatchNormalize("Features", epsilon: epsilon),
            "'Features'", "epsilon", "positive");
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => Ml.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
        {
            Columns = [new BatchNormalizingEstimator.ColumnOptions("Out", "Features") { Epsilon = epsilon }],
        }), "'Out'", "epsilon");
    }

    [TestMethod]
    public void TransformOnAnotherVectorSize()
    {
        var transformer = Ml.Transforms.BatchNormalize("Out", "Features").Fit(TransformTestData.Vectors("Features", Rows(5, slots: 3)));
        var four = TransformTestData.Vectors("Features", Rows(5, slots: 4));
        string actualType = four.Schema["Features"].Type.ToString()!;
        string fittedType = TransformTestData.Vectors("Features", Rows(1, slots: 3)).Schema["Features"].Type.ToString()!;
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => transformer.Transform(four), "'Features'", actualType, fittedType, "fitted");
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => transformer.GetOutputSchema(four.Schema), "'Features'", actualType);
        ExceptionAssert.Throws<ArgumentOutOfRangeException>(() => transformer.GetRowToRowMapper(four.Schema), "'Features'", actualType);
    }
}
