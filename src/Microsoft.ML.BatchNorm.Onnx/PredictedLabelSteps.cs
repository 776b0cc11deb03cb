using System.Globalization;
using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Persistence;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Microsoft.ML.BatchNorm.Onnx;

/// <summary>
/// The built-in steps of a plain-saved multiclass network after its arg-max (<see cref="PredictedClassFactory"/>):
/// the class index to <c>PredictedLabel</c>, a <c>Key&lt;UInt32, K&gt;</c> whose <c>KeyValues</c> are the label's own
/// values, of the label's own type, in key order, with key 0 (missing) for a row whose scores are all NaN.
/// </summary>
/// <remarks>
/// <para>The steps: <c>MapValue</c> (not as a key) from index k to the label's k-th value and from NaN (no class) to
/// a sentinel that is none of the label's values; then <c>MapValueToKey</c> with <c>keyData</c> = the label's values
/// in key order, which gives those values keys 1..K in that order and any other value (the sentinel) key 0; then the
/// intermediate value column is dropped. <c>MapValue</c> with <c>treatValuesAsKeyType</c> cannot serve: ML.NET gives
/// that key text <c>KeyValues</c> whatever the values' type (and UInt32 values become the keys themselves), so
/// <c>MapKeyToValue</c> gave text instead of the label's type.</para>
/// <para>Sentinels: NaN for Single and Double labels and the empty string for text labels (ML.NET's missing values,
/// which <c>MapValueToKey</c> maps to key 0 and never puts among a label's key values); for integer labels the
/// smallest non-negative value that is not a label. A Boolean label has no value left over, so it is refused. A
/// label without key values gets its keys 1..K as <c>UInt32</c> key values (ML.NET's built-ins cannot make a key
/// without them).</para>
/// </remarks>
internal static class PredictedLabelSteps
{
    /// <summary>The intermediate column holding the predicted label's value (dropped by the steps).</summary>
    public const string PredictedValueColumn = "BatchNormExtensions.PredictedValue";

    /// <summary>The steps from <see cref="PredictedClassFactory.PredictedClassColumn"/> to PredictedLabel (see the remarks).</summary>
    /// <exception cref="NotSupportedException">The label's values are Boolean, do not name the network's classes one
    /// to one, or are of a type the steps do not hold; the message names SaveWithNetworks.</exception>
    public static IEstimator<ITransformer> Create(MLContext ml, PlainSaveRequest request)
    {
        int classes = request.Network.ClassCount;
        var c = CultureInfo.InvariantCulture;
        var (itemType, values) = request.LabelKeyValues ?? ("UInt32", Enumerable.Range(1, classes).Select(k => k.ToString(c)).ToArray());
        if (values.Length != classes || values.Distinct().Count() != classes)
            throw Refused($"the label's key values ({values.Length}, {values.Distinct().Count()} distinct) do not name the network's {classes} classes one to one");
        var steps = itemType switch
        {
            "Text" => Steps(ml, values, ""),
            "Single" => Steps(ml, values.Select(v => float.Parse(v, c)).ToArray(), float.NaN),
            "Double" => Steps(ml, values.Select(v => double.Parse(v, c)).ToArray(), double.NaN),
            "Int32" => Integers(ml, values.Select(v => int.Parse(v, c)).ToArray(), k => (int)k),
            "UInt32" => Integers(ml, values.Select(v => uint.Parse(v, c)).ToArray(), k => (uint)k),
            "Int64" => Integers(ml, values.Select(v => long.Parse(v, c)).ToArray(), k => k),
            "Boolean" => throw Refused(
                "the label's values are Boolean: a row whose features hold a NaN must get PredictedLabel key 0 (missing), which " +
                "ML.NET's built-in transforms can only give to a value that is not a label, and a Boolean has none left over " +
                "(for a Boolean label, the binary MultilayerPerceptron trainer is the usual choice)"),
            _ => throw Refused($"label key values of type {itemType} are not supported"),
        };
        Check(steps, request.LabelKeyValues, classes);
        return steps;
    }

    private static NotSupportedException Refused(string why) => new(
        $"Plain Model.Save cannot rebuild PredictedLabel: {why}. Save with mlContext.Model.SaveWithNetworks and load with mlContext.Model.LoadWithNetworks instead.");

    // The smallest non-negative integer that is not a label.
    private static IEstimator<ITransformer> Integers<T>(MLContext ml, T[] values, Func<long, T> fromIndex)
    {
        var taken = new HashSet<T>(values);
        long candidate = 0;
        while (taken.Contains(fromIndex(candidate)))
            candidate++;
        return Steps(ml, values, fromIndex(candidate));
    }

    private static IEstimator<ITransformer> Steps<T>(MLContext ml, T[] values, T sentinel)
    {
        var map = values.Select((v, k) => new KeyValuePair<float, T>(k, v)).Append(new KeyValuePair<float, T>(float.NaN, sentinel));
        var keyData = ml.Data.LoadFromEnumerable(values.Select(v => new KeyRow<T> { Value = v }).ToArray());
        return ml.Transforms.Conversion.MapValue(PredictedValueColumn, map, PredictedClassFactory.PredictedClassColumn)
            .Append(ml.Transforms.Conversion.MapValueToKey(StandardColumnNames.PredictedLabel, PredictedValueColumn, keyData: keyData))
            .Append(ml.Transforms.DropColumns(PredictedValueColumn));
    }

    // The steps must give the label's key values, in key order, typed as the label's; a label value that ML.NET
    // treats as missing (an empty string, NaN) would silently shift the keys, so anything else is refused here.
    private static void Check(IEstimator<ITransformer> steps, (string ItemType, string[] Values)? expected, int classes)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(PredictedClassFactory.PredictedClassColumn, NumberDataViewType.Single);
        var output = steps.Fit(new InMemoryDataView(builder.ToSchema(), [])).GetOutputSchema(builder.ToSchema());
        var column = output[StandardColumnNames.PredictedLabel];
        var actual = LabelKeyValues.From(column.Annotations).ToPortable();
        var wanted = expected ?? ("UInt32", Enumerable.Range(1, classes).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToArray());
        bool same = column.Type.Equals(new KeyDataViewType(typeof(uint), classes)) && actual is { } got
            && got.ItemType == wanted.ItemType && got.Values.SequenceEqual(wanted.Values);
        if (!same)
            throw Refused($"the rebuilt column would be {column.Type} with key values [{string.Join(", ", actual?.Values ?? [])}], not the label's " +
                $"[{string.Join(", ", wanted.Values)}] (a label value that ML.NET treats as missing, such as an empty string, cannot be a key value)");
    }

    private sealed class KeyRow<T>
    {
        public T Value { get; set; } = default!;
    }
}
