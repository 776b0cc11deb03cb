namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Squared error of real outputs against targets: per row, sum over its k outputs of (y - t)^2; the mean over rows
/// is PyTorch's MSELoss for k = 1. Gradient: d loss / dy = 2 (y - t).
/// </summary>
internal static class SquaredError
{
    /// <summary>
    /// Loss of n rows of k outputs against the targets (same layout); writes the gradient of the MEAN loss,
    /// 2 (y - t) / n, into <paramref name="gradient"/>.
    /// </summary>
    /// <returns>The sum of the per-row losses.</returns>
    public static double ForwardBackward(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count, int n,
        Span<float> gradient)
    {
        double lossSum = 0;
        float scale = 2f / n;
        for (int i = 0; i < count; i++)
        {
            float r = outputs[i] - targets[i];
            lossSum += (double)r * r;
            gradient[i] = scale * r;
        }
        return lossSum;
    }

    /// <summary>The sum of the per-row losses of <paramref name="count"/> output values.</summary>
    public static double Loss(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count)
    {
        double lossSum = 0;
        for (int i = 0; i < count; i++)
        {
            double r = outputs[i] - (double)targets[i];
            lossSum += r * r;
        }
        return lossSum;
    }
}
