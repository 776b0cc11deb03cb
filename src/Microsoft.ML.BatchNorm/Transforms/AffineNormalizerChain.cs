using System.Collections.Immutable;
using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// The built-in form of a fitted batch normalization that plain <c>mlContext.Model.Save</c> writes and plain
/// <c>Model.Load</c> reads with no registration: three of ML.NET's min-max normalizers (fixZero: false), each fitted
/// on two synthetic rows per slot so that it computes <c>(v - offset) * scale</c> with the offset and scale
/// <see cref="AffineStepChain"/> planned, and an <c>Expression</c> <c>x =&gt; -x</c> after the first for a column
/// whose gammas are negative (no public fit gives a negative scale, though ML.NET's loader would accept one). Within
/// <see cref="AffineStepChain.Roundings"/> u (|beta| + |a| |x - mean|) of the float64 value for every state it accepts.
/// </summary>
/// <remarks>
/// A column with gammas of both signs cannot be written this way (the steps act on whole columns; a positive-scale
/// normalizer cannot change a slot's sign), nor a slot whose constants overflow float; <see cref="TryCreate"/> then
/// says why and the companion package's ONNX form is used instead. The fitted normalizers' offsets and scales are read
/// back and must equal the planned ones, so a change in ML.NET's fitting formulas is caught at save time.
/// </remarks>
internal static class AffineNormalizerChain
{
    /// <summary>Whether the chain can hold <paramref name="column"/> exactly; otherwise the reason, naming the column and slot.</summary>
    public static bool CanHold(BatchNormalizingTransformer.ColumnParameters column, out string reason)
        => TryPlan(column, out _, out _, out reason);

    private static bool TryPlan(BatchNormalizingTransformer.ColumnParameters column, out AffineStepChain.SlotPlan[] plans, out bool negate, out string reason)
    {
        plans = new AffineStepChain.SlotPlan[column.SlotCount];
        bool anyNegative = column.Gamma.Any(g => g < 0), anyPositive = column.Gamma.Any(g => g > 0);
        negate = anyNegative;
        if (anyNegative && anyPositive)
        {
            reason = $"column '{column.OutputColumnName}' has gammas of both signs (slot {column.Gamma.IndexOf(column.Gamma.First(g => g < 0))} " +
                $"is negative, slot {column.Gamma.IndexOf(column.Gamma.First(g => g > 0))} positive), which ML.NET's normalizers cannot express";
            return false;
        }
        for (int j = 0; j < column.SlotCount; j++)
        {
            double a = column.Gamma[j] / Math.Sqrt(column.Variance[j] + column.Epsilon);
            if (!AffineStepChain.TryPlan(column.Mean[j], a, column.Beta[j], negate, out plans[j], out string why))
            {
                reason = $"column '{column.OutputColumnName}' slot {j}: {why}";
                return false;
            }
        }
        reason = "";
        return true;
    }

    /// <summary>The chain over <paramref name="columns"/>, or null and the reason (naming the column and slot) when one of them cannot be written exactly.</summary>
    public static ITransformer? TryCreate(IReadOnlyList<BatchNormalizingTransformer.ColumnParameters> columns, out string reason)
    {
        var plans = new AffineStepChain.SlotPlan[columns.Count][];
        var negate = new bool[columns.Count];
        for (int c = 0; c < columns.Count; c++)
        {
            if (!TryPlan(columns[c], out plans[c], out negate[c], out reason))
                return null;
        }

        var ml = ShapeSource.MLContext;
        var steps = new List<ITransformer>();
        var inputs = columns.Select(c => (c.InputColumnName, c.Type)).DistinctBy(c => c.InputColumnName).ToArray();
        var outputs = columns.Select(c => (c.OutputColumnName, c.Type)).ToArray();
        var pairs = columns.Select(c => new InputOutputColumnPair(c.OutputColumnName, c.InputColumnName)).ToArray();
        var inPlace = columns.Select(c => new InputOutputColumnPair(c.OutputColumnName)).ToArray();

        // A normalizer fits one set of rows per input column: columns reading the same input with different first
        // steps (different means, or gamma 0 in different slots) are first copied to their outputs.
        bool sharedInput = Enumerable.Range(0, columns.Count).GroupBy(c => columns[c].InputColumnName)
            .Any(g => g.Any(c => !plans[c].Select(p => p.First).SequenceEqual(plans[g.First()].Select(p => p.First))));
        if (sharedInput)
        {
            if (columns.FirstOrDefault(c => inputs.Any(i => i.InputColumnName == c.OutputColumnName && i.InputColumnName != c.InputColumnName)) is { } crossing)
            {
                reason = $"column '{crossing.OutputColumnName}' overwrites an input of this transform while two of its columns read the same input with different means";
                return null;
            }
            steps.Add(ShapeSource.Copies(pairs).Fit(Synthetic(inputs.Select(i => (i.InputColumnName, i.Type)).ToArray(), columns, plans, p => p.First, c => columns[c].InputColumnName)));
            steps.Add(FitStep(ml, inPlace, outputs, columns, plans, p => p.First, c => columns[c].OutputColumnName));
        }
        else
        {
            steps.Add(FitStep(ml, pairs, inputs.Select(i => (i.InputColumnName, i.Type)).ToArray(), columns, plans, p => p.First, c => columns[c].InputColumnName));
        }
        for (int c = 0; c < columns.Count; c++)
        {
            if (negate[c])
                steps.Add(ml.Transforms.Expression(columns[c].OutputColumnName, "x => -x", columns[c].OutputColumnName)
                    .Fit(Synthetic(outputs, columns, plans, _ => new AffineStepChain.StepRows(0, 1), c2 => columns[c2].OutputColumnName)));
        }
        steps.Add(FitStep(ml, inPlace, outputs, columns, plans, p => p.Second, c => columns[c].OutputColumnName));
        steps.Add(FitStep(ml, inPlace, outputs, columns, plans, p => p.Third, c => columns[c].OutputColumnName));
        reason = "";
        return new TransformerChain<ITransformer>(steps.ToArray());
    }

    private static NormalizingTransformer FitStep(MLContext ml, InputOutputColumnPair[] pairs, (string Name, DataViewType Type)[] schema,
        IReadOnlyList<BatchNormalizingTransformer.ColumnParameters> columns, AffineStepChain.SlotPlan[][] plans,
        Func<AffineStepChain.SlotPlan, AffineStepChain.StepRows> step, Func<int, string> source)
    {
        var normalizer = ml.Transforms.NormalizeMinMax(pairs, fixZero: false)
            .Fit(Synthetic(schema, columns, plans, step, source));
        for (int c = 0; c < columns.Count; c++)
        {
            var (offset, scale) = Parameters(normalizer.GetNormalizerModelParameters(c), columns[c].SlotCount);
            for (int j = 0; j < columns[c].SlotCount; j++)
            {
                var rows = step(plans[c][j]);
                // Compared as values: an offset of -0 may come back as 0, which subtracts the same.
                if (scale[j] != rows.Scale || (rows.Scale != 0 && offset[j] != rows.Offset))
                    throw new InvalidOperationException(
                        $"Column '{columns[c].OutputColumnName}' slot {j}: ML.NET's min-max normalizer fitted offset {offset[j]:G9} and scale {scale[j]:G9} " +
                        $"where {rows.Offset:G9} and {rows.Scale:G9} were planned (a change in ML.NET?). Nothing was written by this transform.");
            }
        }
        return normalizer;
    }

    // Two rows; row r of column c, slot j, is the planned step's Low (r = 0) or High (r = 1). Columns are named by source.
    private static InMemoryDataView Synthetic((string Name, DataViewType Type)[] schema, IReadOnlyList<BatchNormalizingTransformer.ColumnParameters> columns,
        AffineStepChain.SlotPlan[][] plans, Func<AffineStepChain.SlotPlan, AffineStepChain.StepRows> step, Func<int, string> source)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var (name, type) in schema)
            builder.AddColumn(name, type);
        var rows = new float[2][][];
        for (int r = 0; r < 2; r++)
        {
            rows[r] = new float[schema.Length][];
            for (int k = 0; k < schema.Length; k++)
            {
                int c = Enumerable.Range(0, columns.Count).First(i => source(i) == schema[k].Name);
                rows[r][k] = plans[c].Select(p => r == 0 ? step(p).Low : step(p).High).ToArray();
            }
        }
        return new InMemoryDataView(builder.ToSchema(), rows);
    }

    private static (float[] Offset, float[] Scale) Parameters(NormalizingTransformer.NormalizerModelParametersBase parameters, int slots) => parameters switch
    {
        NormalizingTransformer.AffineNormalizerModelParameters<ImmutableArray<float>> vector =>
            (vector.Offset.IsDefaultOrEmpty ? new float[slots] : vector.Offset.ToArray(), vector.Scale.ToArray()),
        NormalizingTransformer.AffineNormalizerModelParameters<float> scalar => ([scalar.Offset], [scalar.Scale]),
        _ => throw new InvalidOperationException($"ML.NET's min-max normalizer gave {parameters.GetType().Name}, not affine parameters."),
    };
}
