using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.BatchNorm.Onnx;

/// <summary>
/// The last step of a binary network saved with plain <c>mlContext.Model.Save</c> (see the package readme): copies the
/// ONNX model's three 1-slot outputs into the scalar columns ML.NET's binary trainers give, <c>PredictedLabel</c>
/// (Boolean), <c>Score</c> (Single, the logit) and <c>Probability</c> (Single). ML.NET's OnnxTransformer types every
/// output as a vector and no built-in transform turns a 1-slot vector into a scalar, hence this mapping; it computes
/// nothing (the ONNX model does). ML.NET finds this class by its contract name when it loads such a file.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class BinaryOutputsFactory : CustomMappingFactory<BinaryOutputsFactory.Outputs, BinaryOutputsFactory.Columns>
{
    /// <summary>The contract name stored in model files.</summary>
    public const string ContractName = "BatchNormExtensions.ML.Onnx.BinaryOutputs";

    /// <summary>The mapping.</summary>
    public override Action<Outputs, Columns> GetMapping() => static (input, output) =>
    {
        output.PredictedLabel = input.PredictedLabel[0];
        output.Score = input.Score[0];
        output.Probability = input.Probability[0];
    };

    /// <summary>The input row: the ONNX model's outputs.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Outputs
    {
        /// <summary>Greater(logit, 0).</summary>
        [ColumnName(EmbeddedNetworkGraph.OutputPrefix + "PredictedLabel"), VectorType(1)]
        public bool[] PredictedLabel { get; set; } = [];

        /// <summary>The logit.</summary>
        [ColumnName(EmbeddedNetworkGraph.OutputPrefix + "Score"), VectorType(1)]
        public float[] Score { get; set; } = [];

        /// <summary>Sigmoid of the logit.</summary>
        [ColumnName(EmbeddedNetworkGraph.OutputPrefix + "Probability"), VectorType(1)]
        public float[] Probability { get; set; } = [];
    }

    /// <summary>The output row, in the order of ML.NET's binary scorer.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Columns
    {
        /// <summary>Score &gt; 0 (false for NaN).</summary>
        public bool PredictedLabel { get; set; }

        /// <summary>The logit.</summary>
        public float Score { get; set; }

        /// <summary>Sigmoid of the logit.</summary>
        public float Probability { get; set; }
    }
}

/// <summary>
/// The last step of a regression network saved with plain <c>mlContext.Model.Save</c>: copies the ONNX model's 1-slot
/// output (the score in the label's units) into the scalar <c>Score</c> column ML.NET's regressors give. It computes
/// nothing. ML.NET finds this class by its contract name when it loads such a file.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RegressionScoreFactory : CustomMappingFactory<RegressionScoreFactory.Outputs, RegressionScoreFactory.Columns>
{
    /// <summary>The contract name stored in model files.</summary>
    public const string ContractName = "BatchNormExtensions.ML.Onnx.RegressionScore";

    /// <summary>The mapping.</summary>
    public override Action<Outputs, Columns> GetMapping() => static (input, output) => output.Score = input.Score[0];

    /// <summary>The input row: the ONNX model's output.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Outputs
    {
        /// <summary>The score in the label's units.</summary>
        [ColumnName(EmbeddedNetworkGraph.OutputPrefix + "Score"), VectorType(1)]
        public float[] Score { get; set; } = [];
    }

    /// <summary>The output row.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Columns
    {
        /// <summary>The score in the label's units.</summary>
        public float Score { get; set; }
    }
}
