namespace Microsoft.ML.TestFramework;

/// <summary>
/// How far two numbers may differ and still count as equal: <c>|actual - expected| &lt;= Absolute +
/// Relative * max(|expected|, |actual|)</c>. Two NaNs are equal; an infinity equals only the same infinity.
/// </summary>
/// <param name="Relative">Allowed difference relative to the larger magnitude (non-negative).</param>
/// <param name="Absolute">Allowed difference in absolute terms (non-negative); covers values near zero, where a
/// relative bound alone would demand exact equality.</param>
public readonly record struct NumericTolerance(double Relative, double Absolute)
{
    /// <summary>Bit-for-bit equality of the values (NaN equals NaN).</summary>
    public static NumericTolerance Exact => new(0, 0);

    /// <summary>
    /// <paramref name="tolerance"/> relative to <c>max(1, |expected|, |actual|)</c>: relative for large values,
    /// absolute below 1 (the usual choice for normalized data, whose values are of order 1).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tolerance"/> is negative or NaN.</exception>
    public static NumericTolerance RelativeOrAbsolute(double tolerance)
    {
        if (!(tolerance >= 0))
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "A tolerance must be non-negative.");
        return new NumericTolerance(tolerance, tolerance);
    }

    /// <summary>Whether <paramref name="actual"/> is within this tolerance of <paramref name="expected"/>.</summary>
    public bool IsWithin(double expected, double actual)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual))
            return double.IsNaN(expected) && double.IsNaN(actual);
        if (double.IsInfinity(expected) || double.IsInfinity(actual))
            return expected == actual;
        double allowed = Absolute + Relative * Math.Max(Math.Abs(expected), Math.Abs(actual));
        return Math.Abs(actual - expected) <= allowed;
    }

    /// <inheritdoc/>
    public override string ToString() => $"relative {Relative:G3}, absolute {Absolute:G3}";
}
