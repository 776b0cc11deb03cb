using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.ML.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>
/// The conformance checks must be able to fail: each broken estimator or transformer below violates one contract,
/// and the matching check must report it (naming the column where there is one).
/// </summary>
[TestClass]
public sealed class EstimatorChecksSelfTests
{
    private static readonly MLContext Ml = new(seed: 1);

    private static IDataView Data(int seed) => TransformTestData.Vectors("X", TransformTestData.Gaussian(20, [1, 2], [1, 3], seed));

    private static BatchNormalizingEstimator WithGamma(float gamma) => Ml.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
    {
        Columns = [new BatchNormalizingEstimator.ColumnOptions("Y", "X") { Scale = [gamma, gamma] }],
    });

    private static void MustFail(Action check, params string[] messageParts)
    {
        var failure = Assert.ThrowsExactly<AssertFailedException>(check);
        ExceptionAssert.MessageContains(failure, messageParts);
    }

    [TestMethod]
    public void SchemaShapeOfASchemaMatchesItsColumns()
    {
        var data = new InMemoryDataBuilder()
            .AddSingleVector("V", [[1, 2, 3]], slotNames: ["a", "b", "c"])
            .AddSingleVector("W", [[1]], variableSize: true)
            .AddKey("K", 4, 2)
            .AddText("T", "x")
            .AddSingle("V2", 5)
            .Build();
        var shape = SchemaShapes.FromSchema(data.Schema);
        Assert.AreEqual("V, W, K, T, V2", string.Join(", ", shape.Select(c => c.Name)));
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, shape[0].Kind);
        Assert.AreEqual("SlotNames", string.Join(",", shape[0].Annotations.Select(a => a.Name)));
        Assert.AreEqual(SchemaShape.Column.VectorKind.VariableVector, shape[1].Kind);
        Assert.IsTrue(shape[2].IsKey, "K is a key");
        Assert.AreEqual(NumberDataViewType.UInt32, shape[2].ItemType, "a key's item type is its raw type");
        Assert.AreEqual(TextDataViewType.Instance, shape[3].ItemType);
        Assert.AreEqual(SchemaShape.Column.VectorKind.Scalar, shape[4].Kind);

        // Hidden columns have no shape: BatchNormalize in place hides the input.
        var hidden = Ml.Transforms.BatchNormalize("V2").Fit(data).Transform(data).Schema;
        Assert.AreEqual(6, hidden.Count);
        Assert.AreEqual(5, SchemaShapes.FromSchema(hidden).Count);
    }

    [TestMethod]
    public void ConformingEstimatorPasses() => EstimatorChecks.Run(WithGamma(2), Data(1), Data(2), invalidInput: Data(1).Rename());

    [TestMethod]
    public void UnpromisedOutputColumnFails()
        => MustFail(() => EstimatorChecks.Run(new Promising(WithGamma(1), promise: shape => shape), Data(1)), "'Y'", "not promised");

    [TestMethod]
    public void AcceptedInvalidInputFails()
        => MustFail(() => EstimatorChecks.Run(WithGamma(1), Data(1), invalidInput: Data(3)), "invalid input", "nothing was thrown");

    [TestMethod]
    public void MapperDisagreeingWithTransformFails()
    {
        var data = Data(1);
        var mapper = WithGamma(1).Fit(data);
        var transform = WithGamma(2).Fit(data);
        MustFail(() => EstimatorChecks.CheckRowToRowMapper(new Split(mapper, transform), data, transform.Transform(data), "split"),
            "column 'Y'", "row 0");
    }

    [TestMethod]
    public void LoadedTransformerWithOtherValuesFails()
    {
        var other = WithGamma(2).Fit(Data(1));
        MustFail(() => EstimatorChecks.Run(WithGamma(1), Data(1), options: new EstimatorCheckOptions { SaveAndLoad = (_, _) => other }),
            "column 'Y'", "row 0");
    }

    [TestMethod]
    public void SaveExpectedToBeRefusedButSucceedingFails()
        => MustFail(() => EstimatorChecks.Run(WithGamma(1), Data(1), options: new EstimatorCheckOptions { Save = SaveExpectation.NotSupported }),
            "NotSupportedException");

    [TestMethod]
    public void DataChangingBetweenReadsFails()
        => MustFail(() => EstimatorChecks.CheckCursors(new Drifting(WithGamma(1).Fit(Data(1)).Transform(Data(1))), "drifting"),
            "second read of column 'X'", "row 0");

    [TestMethod]
    public void ComparisonReportsColumnRowAndSlot()
    {
        var a = TransformTestData.Vectors("X", [[1, 2], [3, 4]]);
        var b = TransformTestData.Vectors("X", [[1, 2], [3, 4.001f]]);
        DataViewAssert.AreEqual(a, b, NumericTolerance.RelativeOrAbsolute(1e-3));
        MustFail(() => DataViewAssert.AreEqual(a, b, NumericTolerance.RelativeOrAbsolute(1e-4)), "column 'X'", "row 1, slot 1");
    }

    // Promises whatever the function makes of the input shape, fits as the inner estimator.
    private sealed class Promising(IEstimator<ITransformer> inner, Func<SchemaShape, SchemaShape> promise) : IEstimator<ITransformer>
    {
        public ITransformer Fit(IDataView input) => inner.Fit(input);

        public SchemaShape GetOutputSchema(SchemaShape inputSchema) => promise(inputSchema);
    }

    // Maps rows with one transformer and transforms data with another.
    private sealed class Split(ITransformer mapper, ITransformer transform) : ITransformer
    {
        public bool IsRowToRowMapper => true;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => transform.GetOutputSchema(inputSchema);

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => mapper.GetRowToRowMapper(inputSchema);

        public IDataView Transform(IDataView input) => transform.Transform(input);

        void ICanSaveModel.Save(ModelSaveContext ctx) => transform.Save(ctx);
    }

    // Every cursor adds its own cursor number to the vector values: a second read differs from the first.
    private sealed class Drifting(IDataView inner) : IDataView
    {
        private int _cursors;

        public bool CanShuffle => false;

        public DataViewSchema Schema => inner.Schema;

        public long? GetRowCount() => inner.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
            => new Cursor(inner.GetRowCursor(columnsNeeded), ++_cursors);

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
            => [GetRowCursor(columnsNeeded, rand)];

        private sealed class Cursor(DataViewRowCursor inner, int shift) : DataViewRowCursor
        {
            public override DataViewSchema Schema => inner.Schema;

            public override long Position => inner.Position;

            public override long Batch => inner.Batch;

            public override bool MoveNext() => inner.MoveNext();

            public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

            public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                var getter = inner.GetGetter<TValue>(column);
                if (typeof(TValue) != typeof(VBuffer<float>))
                    return getter;
                ValueGetter<VBuffer<float>> shifted = (ref VBuffer<float> value) =>
                {
                    var source = default(VBuffer<float>);
                    ((ValueGetter<VBuffer<float>>)(Delegate)getter)(ref source);
                    value = new VBuffer<float>(source.Length, source.GetValues().ToArray().Select(v => v + shift).ToArray());
                };
                return (ValueGetter<TValue>)(Delegate)shifted;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                    inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}

internal static class SelfTestDataExtensions
{
    /// <summary>The same data with column X renamed (so that a transformer reading X cannot find it).</summary>
    public static IDataView Rename(this IDataView data)
        => new InMemoryDataBuilder().AddSingleVector("Z", DataViewReader.ReadSingles(data, "X")).Build();
}
