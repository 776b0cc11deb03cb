namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Binary cross-entropy on one logit z per row, against a label y in {0, 1}: loss = -y log sigmoid(z) -
/// (1 - y) log(1 - sigmoid(z)) = softplus(z) - y z, computed stably as max(z, 0) - y z + log(1 + exp(-|z|)) (the form
/// of PyTorch's BCEWithLogitsLoss). Gradient: d loss / dz = sigmoid(z) - y.
/// </summary>
internal static class SigmoidCrossEntropy
{
    /// <summary>
    /// Loss of n logits (n x 1) against the labels; writes the gradient of the MEAN loss, (sigmoid(z) - y) / n, into
    /// <paramref name="gradient"/>.
    /// </summary>
    /// <returns>The sum of the per-row losses; <paramref name="correct"/> counts rows where (z &gt; 0) equals y.</returns>
    public static double ForwardBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int n,
        Span<float> gradient, out int correct)
    {
        double lossSum = 0;
        correct = 0;
        float invN = 1f / n;
        for (int i = 0; i < n; i++)
        {
            float z = logits[i];
            int y = labels[i];
            lossSum += RowLoss(z, y);
            if ((z > 0f) == (y == 1)) correct++;
            gradient[i] = (Sigmoid(z) - y) * invN;
        }
        return lossSum;
    }

    /// <summary>Loss only: the sum of the per-row losses of n logits, and the count of right signs.</summary>
    public static double Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int n, out int correct)
    {
        double lossSum = 0;
        correct = 0;
        for (int i = 0; i < n; i++)
        {
            float z = logits[i];
            lossSum += RowLoss(z, labels[i]);
            if ((z > 0f) == (labels[i] == 1)) correct++;
        }
        return lossSum;
    }

    /// <summary>1 / (1 + exp(-z)), without overflow for either sign of z.</summary>
    public static float Sigmoid(float z)
    {
        if (z >= 0f)
            return 1f / (1f + MathF.Exp(-z));
        float e = MathF.Exp(z);
        return e / (1f + e);
    }

    private static double RowLoss(float z, int y) =>
        Math.Max(z, 0.0) - y * (double)z + Math.Log(1.0 + Math.Exp(-Math.Abs((double)z)));
}
