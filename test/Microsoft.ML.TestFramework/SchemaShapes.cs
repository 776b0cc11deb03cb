using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.TestFramework;

/// <summary>
/// The <see cref="SchemaShape"/> of a <see cref="DataViewSchema"/>. ML.NET's <c>SchemaShape.Create</c> is internal,
/// but <see cref="EstimatorChain{TLastTransformer}.Fit"/> calls it on its input and hands the result to its
/// estimators' <c>GetOutputSchema</c> before fitting anything: a probe estimator in a chain captures that shape
/// through public API only. Reflection on the internal method is the fallback, should a version stop doing so.
/// </summary>
public static class SchemaShapes
{
    /// <summary>The shape ML.NET itself derives from <paramref name="schema"/> (visible columns, with annotation shapes).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="schema"/> is null.</exception>
    /// <exception cref="InvalidOperationException">Neither route works with this version of ML.NET.</exception>
    public static SchemaShape FromSchema(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var probe = new ShapeProbe();
        try
        {
            new EstimatorChain<ITransformer>().Append(probe).Fit(new EmptyDataView(schema));
        }
        catch (ShapeCaptured)
        {
        }
        return probe.Shape ?? ByReflection(schema);
    }

    private static SchemaShape ByReflection(DataViewSchema schema)
    {
        var create = typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic,
            [typeof(DataViewSchema)]);
        if (create is null || create.ReturnType != typeof(SchemaShape))
            throw new InvalidOperationException(
                "Cannot build a SchemaShape from a DataViewSchema with this version of ML.NET: EstimatorChain.Fit no longer " +
                "propagates the input shape first, and SchemaShape has no static Create(DataViewSchema) method.");
        return (SchemaShape)create.Invoke(null, BindingFlags.DoNotWrapExceptions, null, [schema], null)!;
    }

    private sealed class ShapeCaptured : Exception;

    // Records the shape it is asked to propagate, then stops the chain before any data is read.
    private sealed class ShapeProbe : IEstimator<ITransformer>
    {
        public SchemaShape? Shape { get; private set; }

        public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        {
            Shape = inputSchema;
            throw new ShapeCaptured();
        }

        public ITransformer Fit(IDataView input) => throw new ShapeCaptured();
    }
}
