using System.Globalization;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// Reads the paper's claims off the measured outcomes by fixed rules (below) rather than by opinion: the same numbers
/// always give the same verdict. Accuracies that differ by less than the <see cref="Margin"/> count as equal.
/// </summary>
internal static class ComparisonVerdicts
{
    /// <summary>
    /// Twice the standard error of the difference of two test accuracies near <paramref name="accuracy"/> on
    /// <paramref name="testRows"/> rows, each a binomial proportion: 2 sqrt(2 p (1 - p) / n). Below it a difference
    /// may be chance (0.0088 on Fashion-MNIST's 10000 test rows at 0.89, 0.025 on 374 digits at 0.97).
    /// </summary>
    public static double Margin(double accuracy, long testRows) =>
        2 * Math.Sqrt(2 * accuracy * (1 - accuracy) / Math.Max(testRows, 1));

    /// <summary>Per setting: the claim put to the test, whether it held, and what was measured.</summary>
    /// <param name="outcomes">Two outcomes (with, without batch normalization) per setting, the reference setting first.</param>
    /// <param name="margin">Accuracy differences below this count as none (see <see cref="Margin"/>).</param>
    public static IEnumerable<(string Claim, bool Held, string Measured)> Describe(IReadOnlyList<ComparisonOutcome> outcomes, double margin)
    {
        ComparisonOutcome? reference = null;
        foreach (var group in outcomes.GroupBy(o => o.Case))
        {
            var with = group.Single(o => o.BatchNormalization);
            var without = group.Single(o => !o.BatchNormalization);
            reference ??= group.First();
            yield return group.Key.Claim switch
            {
                Claim.FasterConvergence => Convergence(group.Key, with, without),
                Claim.HigherLearningRate => Stability(group.Key, with, without, margin),
                _ => Scale(group.Key, with, without, outcomes.Where(o => o.Case == reference.Case).ToArray(), margin),
            };
        }
    }

    // Held when batch norm first reaches the best test accuracy of the network without it in an earlier epoch than
    // that network did.
    private static (string, bool, string) Convergence(ComparisonCase setting, ComparisonOutcome with, ComparisonOutcome without)
    {
        string claim = $"Faster convergence ({setting.Name})";
        if (with.Diverged || without.Diverged || without.TestAccuracy.Count == 0)
            return (claim, false, "not measurable: a run diverged.");
        double target = without.TestAccuracy.Max();
        int withoutEpoch = without.FirstEpochReaching(target)!.Value;
        int? withEpoch = with.FirstEpochReaching(target);
        string measured = Invariant($"without batch norm the best test accuracy was {target:F4} (epoch {withoutEpoch}); with batch norm ") +
            (withEpoch is { } e ? Invariant($"it was reached at epoch {e}") : "it was never reached") +
            Invariant($" (epoch 1: {with.TestAccuracy[0]:F4} with, {without.TestAccuracy[0]:F4} without).");
        return (claim, withEpoch < withoutEpoch, measured);
    }

    // Held when batch norm trains (does not diverge) and the network without it diverges or ends less accurate by more
    // than the margin.
    private static (string, bool, string) Stability(ComparisonCase setting, ComparisonOutcome with, ComparisonOutcome without,
        double margin)
    {
        string measured = $"with batch norm {Ending(with)}; without batch norm {Ending(without)}.";
        bool held = !with.Diverged && (without.Diverged || with.Final - without.Final > margin);
        return ($"Higher learning rate ({setting.Name})", held, measured);
    }

    // Held when batch norm's learning curve moves less from the reference setting's (same optimizer, weights x1) than
    // the curve of the network without it, by more than the margin, the height of a curve being its mean test accuracy
    // over the epochs.
    private static (string, bool, string) Scale(ComparisonCase setting, ComparisonOutcome with, ComparisonOutcome without,
        ComparisonOutcome[] reference, double margin)
    {
        double withChange = with.Mean - reference.Single(o => o.BatchNormalization).Mean;
        double withoutChange = without.Mean - reference.Single(o => !o.BatchNormalization).Mean;
        string Change(ComparisonOutcome o, double change) => o.Diverged
            ? $"diverged in epoch {o.DivergedInEpoch}"
            : Invariant($"{o.Mean:F4} ({change:+0.0000;-0.0000} against weights x1; final {o.Final:F4})");
        string measured = $"mean test accuracy over the epochs with batch norm {Change(with, withChange)}, " +
            $"without {Change(without, withoutChange)}.";
        bool held = !with.Diverged && (without.Diverged || Math.Abs(withoutChange) - Math.Abs(withChange) > margin);
        return ($"Insensitive to the initial scale ({setting.Name})", held, measured);
    }

    private static string Ending(ComparisonOutcome outcome) => outcome.Diverged
        ? $"diverged in epoch {outcome.DivergedInEpoch}"
        : Invariant($"reached {outcome.Final:F4} after {outcome.TestAccuracy.Count} epochs");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
