namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Huber loss (Huber 1964) of real outputs against targets with threshold delta &gt; 0, per output value with
/// r = y - t: 0.5 r^2 where |r| &lt;= delta, else delta (|r| - 0.5 delta); summed over a row's k outputs. PyTorch's
/// HuberLoss(delta) for k = 1. Gradient: r where |r| &lt;= delta, else delta sign(r).
/// </summary>
internal static class HuberLoss
{
    /// <summary>
    /// Loss of <paramref name="count"/> output values (n rows) against the targets; writes the gradient of the MEAN
    /// loss over the n rows into <paramref name="gradient"/>.
    /// </summary>
    /// <returns>The sum of the per-row losses.</returns>
    public static double ForwardBackward(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count, int n,
        float delta, Span<float> gradient)
    {
        double lossSum = 0;
        float invN = 1f / n;
        for (int i = 0; i < count; i++)
        {
            float r = outputs[i] - targets[i];
            lossSum += Value(r, delta);
            gradient[i] = invN * Math.Clamp(r, -delta, delta);
        }
        return lossSum;
    }

    /// <summary>The sum of the losses of <paramref name="count"/> output values.</summary>
    public static double Loss(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count, float delta)
    {
        double lossSum = 0;
        for (int i = 0; i < count; i++) lossSum += Value(outputs[i] - targets[i], delta);
        return lossSum;
    }

    private static double Value(float r, float delta)
    {
        double a = Math.Abs((double)r);
        return a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
    }
}
