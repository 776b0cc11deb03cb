using System.Reflection;
using System.Text.Json;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Microsoft.ML.BatchNorm.Persistence;

/// <summary>What a network's prediction transformer produces, so the companion package can rebuild its columns.</summary>
internal enum NetworkTask
{
    /// <summary>Score = Vector&lt;Single, K&gt; (softmax), PredictedLabel = Key&lt;UInt32, K&gt; with the label's key values.</summary>
    MulticlassClassification,

    /// <summary>Score = Single (the logit), Probability = Single (sigmoid), PredictedLabel = Boolean (Score &gt; 0).</summary>
    BinaryClassification,

    /// <summary>Score = Single, the network's output * LabelStandardDeviation + LabelMean.</summary>
    Regression,
}

/// <summary>
/// Everything the companion package needs to hand a network's save to ML.NET's OnnxTransformer: the network, its
/// columns, and our own header and parameter blob (the same as in <c>SaveWithNetworks</c> files), which travel in the
/// ONNX model's metadata so that <c>LoadWithNetworks</c> can rebuild our fast scorer from such a file.
/// </summary>
internal sealed record PlainSaveRequest
{
    public required NetworkTask Task { get; init; }

    public required MlpNetwork Network { get; init; }

    public required string FeatureColumnName { get; init; }

    /// <summary>The label's key values (item type name and invariant strings, see <see cref="LabelKeyValues"/>), or null.</summary>
    public (string ItemType, string[] Values)? LabelKeyValues { get; init; }

    /// <summary>Regression: the label's mean and standard deviation (Score = output * LabelStandardDeviation + LabelMean); 0 and 1 otherwise.</summary>
    public float LabelMean { get; init; }

    /// <inheritdoc cref="LabelMean"/>
    public float LabelStandardDeviation { get; init; } = 1f;

    /// <summary><see cref="NetworkHeaderDocument"/> as JSON.</summary>
    public required string HeaderJson { get; init; }

    /// <summary>The parameters, little-endian float32, in the order of the header's layers.</summary>
    public required byte[] Parameters { get; init; }

    public static PlainSaveRequest Multiclass(MultilayerPerceptronPredictionTransformer transformer) =>
        For(transformer, NetworkTask.MulticlassClassification) with { LabelKeyValues = transformer.LabelKeyValues.ToPortable() };

    public static PlainSaveRequest Binary(MultilayerPerceptronBinaryPredictionTransformer transformer) =>
        For(transformer, NetworkTask.BinaryClassification);

    public static PlainSaveRequest Regression(MultilayerPerceptronRegressionPredictionTransformer transformer) =>
        For(transformer, NetworkTask.Regression) with
        {
            LabelMean = transformer.LabelMean,
            LabelStandardDeviation = transformer.LabelStandardDeviation,
        };

    // What every task's request holds: the network, its feature column, and our header and parameters.
    private static PlainSaveRequest For(MultilayerPerceptronPredictionTransformerBase transformer, NetworkTask task)
    {
        var (header, parameters) = NetworkSerializer.Write(transformer);
        return new PlainSaveRequest
        {
            Task = task,
            Network = transformer.Model.Network,
            FeatureColumnName = transformer.FeatureColumnName,
            HeaderJson = JsonSerializer.Serialize(header),
            Parameters = parameters,
        };
    }
}

/// <summary>
/// A transform that plain <c>Model.Save</c> writes as an ONNX model run by ML.NET's OnnxTransformer, followed by built-in
/// transformers (fitted by the core package on the schema the ONNX step gives): used for BatchNormalize columns that
/// ML.NET's own normalizers cannot hold exactly.
/// </summary>
internal sealed class OnnxStepSaveRequest
{
    /// <summary>The ONNX model; its inputs are named after the columns it reads, declared <c>[1, Size]</c>.</summary>
    public required byte[] OnnxModel { get; init; }

    /// <summary>The vector columns the ONNX model reads: name and size (Single items).</summary>
    public required (string Name, int Size)[] Inputs { get; init; }

    /// <summary>The ONNX model's outputs, each a column of <c>Vector&lt;Single, D&gt;</c>.</summary>
    public required string[] Outputs { get; init; }

    /// <summary>Built-in transformers applied after the ONNX step, in order.</summary>
    public required ITransformer[] After { get; init; }
}

/// <summary>The side of the companion package (BatchNormExtensions.ML.Onnx) that plain <c>Model.Save</c> calls.</summary>
internal interface IPlainModelSaver
{
    /// <summary>Writes the network into <paramref name="ctx"/> as built-in ML.NET transformers (an OnnxTransformer and the columns after it).</summary>
    void SaveNetwork(ModelSaveContext ctx, PlainSaveRequest request);

    /// <summary>Writes an OnnxTransformer running <see cref="OnnxStepSaveRequest.OnnxModel"/> followed by <see cref="OnnxStepSaveRequest.After"/> into <paramref name="ctx"/>.</summary>
    void SaveOnnxStep(ModelSaveContext ctx, OnnxStepSaveRequest request);
}

/// <summary>
/// Finds the companion package at save time. The core package cannot depend on it (it brings ONNX Runtime's native
/// libraries), so the companion's assembly is loaded by name when present beside ours; nothing needs registering.
/// </summary>
internal static class CompanionPackage
{
    public const string PackageId = "BatchNormExtensions.ML.Onnx";
    public const string AssemblyName = "Microsoft.ML.BatchNorm.Onnx";
    private const string SaverTypeName = "Microsoft.ML.BatchNorm.Onnx.PlainModelSaver";

    private static readonly Lazy<IPlainModelSaver?> Saver = new(Find);

    /// <summary>The companion's saver.</summary>
    /// <exception cref="NotSupportedException">The companion package is not referenced; the message names it and the alternatives.</exception>
    public static IPlainModelSaver RequireSaver(string what) => Saver.Value ?? throw new NotSupportedException(
        $"Plain mlContext.Model.Save of a pipeline with {what} needs the companion package {PackageId} " +
        $"(dotnet add package {PackageId}; it brings ML.NET's OnnxTransformer and ONNX Runtime, and then plain mlContext.Model.Load " +
        "reads the file with no registration). Without it, save with mlContext.Model.SaveWithNetworks(model, inputSchema, filePath) " +
        "and load with mlContext.Model.LoadWithNetworks(filePath, out inputSchema) (namespace Microsoft.ML, package BatchNormExtensions.ML).");

    private static IPlainModelSaver? Find()
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(AssemblyName));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        var type = assembly.GetType(SaverTypeName, throwOnError: true)!;
        return (IPlainModelSaver)Activator.CreateInstance(type, nonPublic: true)!;
    }
}
