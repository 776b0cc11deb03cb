using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.BatchNorm.Onnx;

/// <summary>
/// The arg-max step of a multiclass network saved with plain <c>mlContext.Model.Save</c> (see the package readme):
/// <c>Score</c> to the 0-based index of its largest value (the first on ties, NaN ignored, NaN when every score is
/// NaN). ML.NET finds this class by its contract name when it loads such a file; there is no need to call it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class PredictedClassFactory : CustomMappingFactory<PredictedClassFactory.Scores, PredictedClassFactory.PredictedClass>
{
    /// <summary>The contract name stored in model files.</summary>
    public const string ContractName = "BatchNormExtensions.ML.Onnx.PredictedClass";

    /// <summary>The column the index is written to (dropped after it is mapped to PredictedLabel).</summary>
    public const string PredictedClassColumn = "BatchNormExtensions.PredictedClass";

    /// <summary>The mapping.</summary>
    public override Action<Scores, PredictedClass> GetMapping() => static (input, output) =>
    {
        int best = -1;
        float bestScore = 0f;
        var score = input.Score;
        for (int k = 0; k < score.Length; k++)
        {
            if (score[k] > bestScore || (best < 0 && !float.IsNaN(score[k])))
            {
                best = k;
                bestScore = score[k];
            }
        }
        output.Index = best < 0 ? float.NaN : best;
    };

    /// <summary>The input row: the Score column.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Scores
    {
        /// <summary>Class scores.</summary>
        [ColumnName("Score")]
        public float[] Score { get; set; } = [];
    }

    /// <summary>The output row: the predicted class index.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class PredictedClass
    {
        /// <summary>0-based index of the largest score, or NaN.</summary>
        [ColumnName(PredictedClassColumn)]
        public float Index { get; set; }
    }
}
