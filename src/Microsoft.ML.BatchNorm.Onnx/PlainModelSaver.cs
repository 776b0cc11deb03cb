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
/// <item><see cref="PredictedLabelSteps"/>: <c>MapValue</c> (index k to the label's k-th value, NaN to a value that
/// is no label), <c>MapValueToKey</c> with the label's values as <c>keyData</c>, which gives <c>PredictedLabel</c> =
/// <c>Key&lt;UInt32, K&gt;</c> carrying the label's <c>KeyValues</c> of the label's type, and key 0 (missing) for
/// NaN, as our scorer does for a row with a NaN feature.</item>
/// <item><c>DropColumns</c> of the index column.</item>
/// </list>
/// <para>Binary: the OnnxTransformer gives three 1-slot vectors (the logit, its <c>Sigmoid</c> and
/// <c>Greater(logit, 0)</c>, see <see cref="EmbeddedNetworkGraph"/>); a <c>CustomMapping</c>
/// (<see cref="BinaryOutputsFactory"/>) copies them into the scalar columns <c>PredictedLabel</c> (Boolean),
/// <c>Score</c> and <c>Probability</c> (Single), and <c>DropColumns</c> removes the vectors. Regression: likewise with one
/// vector (the score already in the label's units) and <see cref="RegressionScoreFactory"/> giving <c>Score</c>.</para>
/// </remarks>
internal sealed class PlainModelSaver : IPlainModelSaver
{
    public void SaveNetwork(ModelSaveContext ctx, PlainSaveRequest request)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(request);
        byte[] onnx = EmbeddedNetworkGraph.Build(request, out string[] outputNames);
        var ml = new MLContext();
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(request.FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, request.Network.InputSize));
        var empty = new InMemoryDataView(builder.ToSchema(), []);

        string temporary = Path.Combine(Path.GetTempPath(), $"bn-network-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(temporary, onnx);
        TransformerChain<Microsoft.ML.Transforms.ColumnSelectingTransformer>? chain = null;
        try
        {
            var onnxStep = ml.Transforms.ApplyOnnxModel(outputNames, [request.FeatureColumnName], temporary);
            var estimator = request.Task switch
            {
                NetworkTask.MulticlassClassification => onnxStep
                    .Append(ml.Transforms.CustomMapping(new PredictedClassFactory().GetMapping(), PredictedClassFactory.ContractName))
                    .Append(PredictedLabelSteps.Create(ml, request))
                    .Append(ml.Transforms.DropColumns(PredictedClassFactory.PredictedClassColumn)),
                NetworkTask.BinaryClassification => onnxStep
                    .Append(ml.Transforms.CustomMapping(new BinaryOutputsFactory().GetMapping(), BinaryOutputsFactory.ContractName))
                    .Append(ml.Transforms.DropColumns(outputNames)),
                NetworkTask.Regression => onnxStep
                    .Append(ml.Transforms.CustomMapping(new RegressionScoreFactory().GetMapping(), RegressionScoreFactory.ContractName))
                    .Append(ml.Transforms.DropColumns(outputNames)),
                _ => throw new NotSupportedException($"Plain Model.Save has no ONNX form for a network of the task {request.Task}; use SaveWithNetworks."),
            };
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
}
