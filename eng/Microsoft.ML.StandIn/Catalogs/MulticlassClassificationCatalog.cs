using Microsoft.ML.Data;
using Microsoft.ML.Internal;

namespace Microsoft.ML;

/// <summary>Multiclass classification: trainers (extension methods on <see cref="Trainers"/>) and evaluation.</summary>
public sealed class MulticlassClassificationCatalog : TrainCatalogBase
{
    internal MulticlassClassificationCatalog(MLContext context) : base(context)
    {
        Trainers = new MulticlassClassificationTrainers(this);
    }

    /// <summary>The trainers.</summary>
    public MulticlassClassificationTrainers Trainers { get; }

    /// <summary>The catalog that multiclass trainer extension methods attach to.</summary>
    public sealed class MulticlassClassificationTrainers : CatalogInstantiatorBase
    {
        internal MulticlassClassificationTrainers(MulticlassClassificationCatalog catalog) : base(catalog)
        {
        }
    }

    /// <summary>
    /// Evaluates scored data: <paramref name="scoreColumnName"/> a known-size <see cref="float"/> vector of K &gt;= 2 class
    /// probabilities, <paramref name="labelColumnName"/> a key (value k is class k-1; 0 is skipped) or a <see cref="float"/>
    /// class index (NaN skipped), <paramref name="predictedLabelColumnName"/> a key column (required; the prediction is the
    /// arg-max of the scores, first index on ties). Log-loss per row is <c>-ln(max(p_label, 1e-15))</c>;
    /// LogLossReduction = 1 - LogLoss / (entropy of the label frequencies).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or
    /// <paramref name="topKPredictionCount"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">A label is outside [0, K), or no row has a label.</exception>
    public MulticlassClassificationMetrics Evaluate(IDataView data, string labelColumnName = "Label", string scoreColumnName = "Score",
        string predictedLabelColumnName = "PredictedLabel", int topKPredictionCount = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (topKPredictionCount < 0)
            throw new ArgumentOutOfRangeException(nameof(topKPredictionCount), "Must be non-negative.");
        return MulticlassEvaluator.Evaluate(data, labelColumnName, scoreColumnName, predictedLabelColumnName, topKPredictionCount);
    }
}
