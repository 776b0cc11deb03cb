using System.Globalization;
using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Persistence;
using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.Onnx;

/// <summary>
/// Plain <c>mlContext.Model.Save</c> of a network (found by the core package by name, see
/// <c>CompanionPackage</c>): the network's <c>ICanSaveModel.Save</c> hands the save context to a chain of ML.NET's own
/// transformers that computes the same columns, and plain <c>mlContext.Model.Load</c> reads that chain back.
/// </summary>
/// <remarks>
/// The chain, for a multiclass network:
/// <list type="number">
/// <item>ML.NET's <c>OnnxTransformer</c> holding <see cref="EmbeddedNetworkGraph"/>'s ONNX model: features to
/// <c>Score</c> (<c>Vector&lt;Single, K&gt;</c>). Its bytes are stored inside the model file.</item>
/// <item>A <c>CustomMapping</c> (<see cref="PredictedClassFactory"/>, in this assembly, which plain Load finds by
/// itself from the name stored in the file): <c>Score</c> to the 0-based index of its largest value, as a Single, NaN
/// when every score is NaN. ONNX outputs cannot be scalars or keys in ML.NET, so the arg-max needs a mapping.</item>
/// <item><c>MapValue</c> with <c>treatValuesAsKeyType</c>: index k to the label's k-th key value, as a key, which
/// gives <c>PredictedLabel</c> = <c>Key&lt;UInt32, K&gt;</c> carrying the label's <c>KeyValues</c>; NaN is not in
/// the map and gives key 0 (missing), as our scorer does for a row with a NaN feature.</item>
/// <item><c>DropColumns</c> of the index column.</item>
/// </list>
/// </remarks>
internal sealed class PlainModelSaver : IPlainModelSaver
{
    public void SaveNetwork(ModelSaveContext ctx, PlainSaveRequest request)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Task != NetworkTask.MulticlassClassification)
            throw new NotSupportedException($"Plain Model.Save has no ONNX form yet for a network of the task {request.Task}; use SaveWithNetworks.");

        byte[] onnx = EmbeddedNetworkGraph.Build(request, out string scoreName);
        var ml = new MLContext();
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(request.FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, request.Network.InputSize));
        var empty = new InMemoryDataView(builder.ToSchema(), []);

        string temporary = Path.Combine(Path.GetTempPath(), $"bn-network-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(temporary, onnx);
        TransformerChain<Microsoft.ML.Transforms.ColumnSelectingTransformer>? chain = null;
        try
        {
            var estimator = ml.Transforms.ApplyOnnxModel([scoreName], [request.FeatureColumnName], temporary)
                .Append(ml.Transforms.CustomMapping(new PredictedClassFactory().GetMapping(), PredictedClassFactory.ContractName))
                .Append(MapClassToLabel(ml, request))
                .Append(ml.Transforms.DropColumns(PredictedClassFactory.PredictedClassColumn));
            chain = estimator.Fit(empty);
            ((ICanSaveModel)chain).Save(ctx);
        }
        finally
        {
            foreach (var transformer in chain ?? Enumerable.Empty<ITransformer>())
                (transformer as IDisposable)?.Dispose();
            File.Delete(temporary);
        }
    }

    public void SaveOnnxStep(ModelSaveContext ctx, OnnxStepSaveRequest request)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(request);
        var ml = new MLContext();
        var builder = new DataViewSchema.Builder();
        foreach (var (name, size) in request.Inputs)
            builder.AddColumn(name, new VectorDataViewType(NumberDataViewType.Single, size));
        var empty = new InMemoryDataView(builder.ToSchema(), []);

        string temporary = Path.Combine(Path.GetTempPath(), $"bn-onnx-step-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(temporary, request.OnnxModel);
        ITransformer? onnx = null;
        try
        {
            onnx = ml.Transforms.ApplyOnnxModel(request.Outputs, request.Inputs.Select(i => i.Name).ToArray(), temporary).Fit(empty);
            ((ICanSaveModel)new TransformerChain<ITransformer>([onnx, .. request.After])).Save(ctx);
        }
        finally
        {
            (onnx as IDisposable)?.Dispose();
            File.Delete(temporary);
        }
    }

    // index k (as Single) -> the label's k-th key value, as a key with those key values.
    private static IEstimator<ITransformer> MapClassToLabel(MLContext ml, PlainSaveRequest request)
    {
        int classes = request.Network.ClassCount;
        string output = StandardColumnNames.PredictedLabel, input = PredictedClassFactory.PredictedClassColumn;
        if (request.LabelKeyValues is not { } labels)
            return Map(ml, output, input, Enumerable.Range(1, classes).Select(k => (uint)k).ToArray());
        if (labels.Values.Length != classes || labels.Values.Distinct().Count() != classes)
            throw new NotSupportedException(
                $"The label's key values ({labels.Values.Length}, {labels.Values.Distinct().Count()} distinct) do not name the network's {classes} classes one to one; plain Model.Save cannot rebuild PredictedLabel. Use SaveWithNetworks.");
        var c = CultureInfo.InvariantCulture;
        return labels.ItemType switch
        {
            "Text" => Map(ml, output, input, labels.Values),
            "Single" => Map(ml, output, input, labels.Values.Select(v => float.Parse(v, c)).ToArray()),
            "Double" => Map(ml, output, input, labels.Values.Select(v => double.Parse(v, c)).ToArray()),
            "Int32" => Map(ml, output, input, labels.Values.Select(v => int.Parse(v, c)).ToArray()),
            "UInt32" => Map(ml, output, input, labels.Values.Select(v => uint.Parse(v, c)).ToArray()),
            "Int64" => Map(ml, output, input, labels.Values.Select(v => long.Parse(v, c)).ToArray()),
            "Boolean" => Map(ml, output, input, labels.Values.Select(v => v == "true").ToArray()),
            _ => throw new NotSupportedException($"Label key values of type {labels.ItemType} cannot be saved with plain Model.Save."),
        };
    }

    private static IEstimator<ITransformer> Map<T>(MLContext ml, string output, string input, T[] values)
        => ml.Transforms.Conversion.MapValue(output, values.Select((v, k) => new KeyValuePair<float, T>(k, v)), input, treatValuesAsKeyType: true);
}
