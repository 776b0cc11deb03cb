using System.Globalization;
using System.Text;

namespace Microsoft.ML.Data;

/// <summary>Results of multiclass evaluation.</summary>
public sealed class MulticlassClassificationMetrics
{
    internal MulticlassClassificationMetrics(double logLoss, double logLossReduction, double macroAccuracy, double microAccuracy,
        int topKPredictionCount, double[] topKAccuracyForAllK, double[] perClassLogLoss, ConfusionMatrix confusionMatrix)
    {
        LogLoss = logLoss;
        LogLossReduction = logLossReduction;
        MacroAccuracy = macroAccuracy;
        MicroAccuracy = microAccuracy;
        TopKPredictionCount = topKPredictionCount;
        // As in ML.NET: no list at all (null) when top-k was not asked for.
        TopKAccuracyForAllK = topKPredictionCount > 0 ? topKAccuracyForAllK : null;
        PerClassLogLoss = perClassLogLoss;
        ConfusionMatrix = confusionMatrix;
    }

    /// <summary>Mean of <c>-ln(max(p_label, 1e-15))</c>.</summary>
    public double LogLoss { get; }

    /// <summary><c>1 - LogLoss / H</c>, H the entropy of the label frequencies (the log-loss of always predicting them).</summary>
    public double LogLossReduction { get; }

    /// <summary>Mean over the classes present in the labels of the per-class accuracy (recall).</summary>
    public double MacroAccuracy { get; }

    /// <summary>Fraction of rows whose predicted class is the label.</summary>
    public double MicroAccuracy { get; }

    /// <summary>Fraction of rows whose label is among the <see cref="TopKPredictionCount"/> highest scores: the last item of
    /// <see cref="TopKAccuracyForAllK"/> (0 when not asked).</summary>
    public double TopKAccuracy => TopKAccuracyForAllK?.LastOrDefault() ?? 0;

    /// <summary>The K of <see cref="TopKAccuracy"/>.</summary>
    public int TopKPredictionCount { get; }

    // ML.NET is not nullable-annotated and returns null here when top-k was not asked for: declared oblivious, as there.
#nullable disable annotations
    /// <summary>Top-k accuracy for k = 1..<see cref="TopKPredictionCount"/> (null when not asked, as in ML.NET).</summary>
    public IReadOnlyList<double> TopKAccuracyForAllK { get; }
#nullable restore annotations

    /// <summary>Mean log-loss of the rows of each class (0 for a class with no row).</summary>
    public IReadOnlyList<double> PerClassLogLoss { get; }

    /// <summary>The confusion matrix.</summary>
    public ConfusionMatrix ConfusionMatrix { get; }
}

/// <summary>Counts of (actual class, predicted class) pairs: rows are actual classes, columns predicted ones.</summary>
public sealed class ConfusionMatrix
{
    private readonly double[][] _counts;

    internal ConfusionMatrix(double[][] counts)
    {
        _counts = counts;
        NumberOfClasses = counts.Length;
        var precision = new double[NumberOfClasses];
        var recall = new double[NumberOfClasses];
        for (int i = 0; i < NumberOfClasses; i++)
        {
            double predicted = 0, actual = 0;
            for (int j = 0; j < NumberOfClasses; j++)
            {
                predicted += counts[j][i];
                actual += counts[i][j];
            }
            precision[i] = predicted > 0 ? counts[i][i] / predicted : 0;
            recall[i] = actual > 0 ? counts[i][i] / actual : 0;
        }
        PerClassPrecision = precision;
        PerClassRecall = recall;
        Counts = counts.Select(r => (IReadOnlyList<double>)r.ToArray()).ToArray();
    }

    /// <summary>Per class: correct predictions of it / predictions of it (0 when never predicted).</summary>
    public IReadOnlyList<double> PerClassPrecision { get; }

    /// <summary>Per class: correct predictions of it / rows of it (0 when absent).</summary>
    public IReadOnlyList<double> PerClassRecall { get; }

    /// <summary><c>Counts[actual][predicted]</c>.</summary>
    public IReadOnlyList<IReadOnlyList<double>> Counts { get; }

    /// <summary>Number of classes.</summary>
    public int NumberOfClasses { get; }

    /// <summary>The count of rows of class <paramref name="actualClassIndicatorIndex"/> predicted as
    /// <paramref name="predictedClassIndicatorIndex"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public double GetCountForClassPair(int predictedClassIndicatorIndex, int actualClassIndicatorIndex)
    {
        if ((uint)predictedClassIndicatorIndex >= (uint)NumberOfClasses)
            throw new ArgumentOutOfRangeException(nameof(predictedClassIndicatorIndex));
        if ((uint)actualClassIndicatorIndex >= (uint)NumberOfClasses)
            throw new ArgumentOutOfRangeException(nameof(actualClassIndicatorIndex));
        return _counts[actualClassIndicatorIndex][predictedClassIndicatorIndex];
    }

    /// <summary>The matrix as text: one row per actual class with its counts and recall, then the precisions.</summary>
    public string GetFormattedConfusionTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("Confusion table");
        sb.Append("PREDICTED ||");
        for (int j = 0; j < NumberOfClasses; j++)
            sb.Append(inv, $" {j,6} |");
        sb.AppendLine(" Recall");
        sb.AppendLine(new string('=', 12 + 9 * NumberOfClasses + 7));
        for (int i = 0; i < NumberOfClasses; i++)
        {
            sb.Append(inv, $"{i,9} ||");
            for (int j = 0; j < NumberOfClasses; j++)
                sb.Append(inv, $" {_counts[i][j],6:0} |");
            sb.AppendLine(string.Format(inv, " {0:0.0000}", PerClassRecall[i]));
        }
        sb.Append("Precision ||");
        for (int j = 0; j < NumberOfClasses; j++)
            sb.Append(inv, $" {PerClassPrecision[j],6:0.0000} |");
        sb.AppendLine();
        return sb.ToString();
    }
}
