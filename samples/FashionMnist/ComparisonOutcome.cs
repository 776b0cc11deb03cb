namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>What one run of the comparison gave.</summary>
/// <param name="Case">The setting.</param>
/// <param name="BatchNormalization">With or without batch normalization.</param>
/// <param name="TestAccuracy">Test accuracy after each epoch that completed.</param>
/// <param name="Divergence">The trainer's message when the loss became NaN or infinite, otherwise null.</param>
/// <param name="Time">Wall time of the run.</param>
internal sealed record ComparisonOutcome(ComparisonCase Case, bool BatchNormalization, IReadOnlyList<double> TestAccuracy,
    string? Divergence, TimeSpan Time)
{
    /// <summary>Whether the run diverged.</summary>
    public bool Diverged => Divergence is not null;

    /// <summary>The epoch in which the run diverged (the one after the last that completed), or null.</summary>
    public int? DivergedInEpoch => Diverged ? TestAccuracy.Count + 1 : null;

    /// <summary>The test accuracy after the last epoch, or NaN when the run diverged.</summary>
    public double Final => Diverged || TestAccuracy.Count == 0 ? double.NaN : TestAccuracy[^1];

    /// <summary>
    /// The mean of the test accuracies after each epoch, or NaN when the run diverged: the height of the whole
    /// learning curve, steadier than one epoch's figure (which moves by about 0.005 from epoch to epoch on Fashion-MNIST).
    /// </summary>
    public double Mean => Diverged || TestAccuracy.Count == 0 ? double.NaN : TestAccuracy.Average();

    /// <summary>"with batch norm" or "without batch norm".</summary>
    public string Network => BatchNormalization ? "with batch norm" : "without batch norm";

    /// <summary>The first epoch whose test accuracy is at least <paramref name="accuracy"/>, or null.</summary>
    public int? FirstEpochReaching(double accuracy)
    {
        for (int i = 0; i < TestAccuracy.Count; i++)
            if (TestAccuracy[i] >= accuracy)
                return i + 1;
        return null;
    }
}
