namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Softmax and the cross-entropy loss on logits, numerically stable through log-sum-exp:
/// log softmax(z)_c = z_c - (max z + log sum_k exp(z_k - max z)).
/// </summary>
internal static class SoftmaxCrossEntropy
{
    /// <summary>
    /// Loss of n rows of k logits against the labels; writes the gradient of the MEAN loss with respect to the logits,
    /// dz = (softmax(z) - onehot(label)) / n, into <paramref name="gradient"/> (n x k).
    /// </summary>
    /// <returns>The sum (not the mean) of the per-row losses; <paramref name="correct"/> counts rows whose arg-max is the label.</returns>
    public static double ForwardBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int n, int k,
        Span<float> gradient, out int correct)
    {
        double lossSum = 0;
        correct = 0;
        float invN = 1f / n;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> z = logits.Slice(i * k, k);
            Span<float> g = gradient.Slice(i * k, k);
            int label = labels[i];
            float logSumExp = LogSumExp(z, out int argMax);
            if (argMax == label) correct++;
            lossSum += logSumExp - z[label];
            for (int c = 0; c < k; c++) g[c] = MathF.Exp(z[c] - logSumExp) * invN;
            g[label] -= invN;
        }
        return lossSum;
    }

    /// <summary>Loss only: the sum of the per-row losses of n rows of k logits, and the count of correct arg-maxes.</summary>
    public static double Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int n, int k, out int correct)
    {
        double lossSum = 0;
        correct = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> z = logits.Slice(i * k, k);
            float logSumExp = LogSumExp(z, out int argMax);
            if (argMax == labels[i]) correct++;
            lossSum += logSumExp - z[labels[i]];
        }
        return lossSum;
    }

    /// <summary>Row-wise softmax of n rows of k logits into <paramref name="probabilities"/> (may alias the logits).</summary>
    public static void Softmax(ReadOnlySpan<float> logits, int n, int k, Span<float> probabilities)
    {
        for (int i = 0; i < n; i++)
        {
            float logSumExp = LogSumExp(logits.Slice(i * k, k), out _);
            for (int c = 0; c < k; c++) probabilities[i * k + c] = MathF.Exp(logits[i * k + c] - logSumExp);
        }
    }

    /// <summary>log sum exp(z), shifted by the maximum; also returns the first index of the maximum.</summary>
    private static float LogSumExp(ReadOnlySpan<float> z, out int argMax)
    {
        float max = z[0];
        argMax = 0;
        for (int c = 1; c < z.Length; c++)
            if (z[c] > max) { max = z[c]; argMax = c; }
        float sum = 0f;
        for (int c = 0; c < z.Length; c++) sum += MathF.Exp(z[c] - max);
        return max + MathF.Log(sum);
    }
}
