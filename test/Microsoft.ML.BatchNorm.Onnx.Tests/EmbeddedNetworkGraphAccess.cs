using Microsoft.ML.BatchNorm.Onnx;
using Microsoft.ML.Trainers;

namespace Microsoft.ML.BatchNorm.Onnx.Tests.Persistence;

/// <summary>The ONNX model plain Model.Save embeds for a network (internal to the packages).</summary>
public static class EmbeddedNetworkGraphAccess
{
    public static byte[] Build(MultilayerPerceptronPredictionTransformer model)
        => EmbeddedNetworkGraph.Build(BatchNorm.Persistence.PlainSaveRequest.Multiclass(model), out _);

    public static byte[] Build(MultilayerPerceptronBinaryPredictionTransformer model)
        => EmbeddedNetworkGraph.Build(BatchNorm.Persistence.PlainSaveRequest.Binary(model), out _);

    public static byte[] Build(MultilayerPerceptronRegressionPredictionTransformer model)
        => EmbeddedNetworkGraph.Build(BatchNorm.Persistence.PlainSaveRequest.Regression(model), out _);
}
