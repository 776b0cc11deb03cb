using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>The computation behind <c>MulticlassClassificationCatalog.Evaluate</c>.</summary>
internal static class MulticlassEvaluator
{
    private const double Epsilon = 1e-15;

    public static MulticlassClassificationMetrics Evaluate(IDataView data, string labelName, string scoreName, string predictedName, int topK)
    {
        var schema = data.Schema;
        var label = SchemaErrors.Find(schema, labelName, "label");
        var score = SchemaErrors.Find(schema, scoreName, "score");
        var predicted = SchemaErrors.Find(schema, predictedName, "predictedLabel");
        if (score.Type is not VectorDataViewType { IsKnownSize: true, Size: >= 2 } scoreType || scoreType.ItemType != NumberDataViewType.Single)
            throw SchemaErrors.Mismatch("score", scoreName, "known-size vector of Single of size at least 2", score.Type);
        if (label.Type is not KeyDataViewType && label.Type != NumberDataViewType.Single)
            throw SchemaErrors.Mismatch("label", labelName, "Single or key", label.Type);
        if (predicted.Type is not KeyDataViewType)
            throw SchemaErrors.Mismatch("predictedLabel", predictedName, "key", predicted.Type);
        int k = scoreType.Size;

        var counts = Enumerable.Range(0, k).Select(_ => new double[k]).ToArray();
        var classLoss = new double[k];
        var topHits = new double[Math.Min(topK, k)];
        double totalLoss = 0, n = 0, correct = 0;

        using var cursor = data.GetRowCursor(new[] { label, score });
        var readLabel = LabelReader(cursor, label);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        VBuffer<float> scores = default;
        var dense = new float[k];
        while (cursor.MoveNext())
        {
            double raw = readLabel();
            if (double.IsNaN(raw))
                continue;
            if (raw < 0 || raw >= k || raw != Math.Floor(raw))
                throw new InvalidOperationException($"Label {raw} in column '{labelName}' is not a class index in [0, {k}).");
            int actual = (int)raw;
            getScore(ref scores);
            if (scores.Length != k)
                throw new InvalidOperationException($"Score vector of length {scores.Length} in column '{scoreName}'; {k} expected.");
            scores.CopyTo(dense);
            int best = 0;
            for (int j = 1; j < k; j++)
            {
                if (dense[j] > dense[best])
                    best = j;
            }
            double p = dense[actual];
            // A NaN probability counts as the worst case, never as a silent NaN in the metrics.
            double loss = -Math.Log(Math.Max(double.IsNaN(p) ? 0 : p, Epsilon));
            totalLoss += loss;
            classLoss[actual] += loss;
            counts[actual][best] += 1;
            n += 1;
            if (best == actual)
                correct += 1;
            if (topHits.Length > 0)
            {
                int rank = 0;
                for (int j = 0; j < k; j++)
                {
                    if (dense[j] > p || (dense[j] == p && j < actual))
                        rank++;
                }
                for (int t = rank; t < topHits.Length; t++)
                    topHits[t] += 1;
            }
        }
        if (n == 0)
            throw new InvalidOperationException($"No row of column '{labelName}' has a label to evaluate.");

        var perClassCount = counts.Select(r => r.Sum()).ToArray();
        double prior = 0;
        foreach (double c in perClassCount)
        {
            if (c > 0)
                prior -= c / n * Math.Log(c / n);
        }
        double logLoss = totalLoss / n;
        // With a single class present the prior log-loss is 0: ML.NET reports no reduction then.
        double reduction = prior > 0 ? 1 - logLoss / prior : 0;
        var present = Enumerable.Range(0, k).Where(i => perClassCount[i] > 0).ToArray();
        double macro = present.Average(i => counts[i][i] / perClassCount[i]);
        var perClassLoss = Enumerable.Range(0, k).Select(i => perClassCount[i] > 0 ? classLoss[i] / perClassCount[i] : 0).ToArray();
        return new MulticlassClassificationMetrics(logLoss, reduction, macro, correct / n, topK,
            topHits.Select(h => h / n).ToArray(), perClassLoss, new ConfusionMatrix(counts));
    }

    // The label as a 0-based class index (NaN when missing).
    private static Func<double> LabelReader(DataViewRowCursor cursor, DataViewSchema.Column label)
    {
        if (label.Type is KeyDataViewType key)
        {
            Func<ulong> read;
            if (key.RawType == typeof(uint)) { var g = cursor.GetGetter<uint>(label); uint v = 0; read = () => { g(ref v); return v; }; }
            else if (key.RawType == typeof(ulong)) { var g = cursor.GetGetter<ulong>(label); ulong v = 0; read = () => { g(ref v); return v; }; }
            else if (key.RawType == typeof(ushort)) { var g = cursor.GetGetter<ushort>(label); ushort v = 0; read = () => { g(ref v); return v; }; }
            else { var g = cursor.GetGetter<byte>(label); byte v = 0; read = () => { g(ref v); return v; }; }
            return () =>
            {
                ulong value = read();
                return value == 0 ? double.NaN : value - 1.0;
            };
        }
        var getter = cursor.GetGetter<float>(label);
        float f = 0;
        return () =>
        {
            getter(ref f);
            return f;
        };
    }
}
