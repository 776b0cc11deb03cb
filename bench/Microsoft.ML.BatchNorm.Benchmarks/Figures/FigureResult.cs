namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// One line of the short mode's output: <c>{"figure": Name, key: number, ...}</c>, the numbers in the order given
/// (e.g. <c>seconds</c>, <c>gbps</c>, or <c>value</c> for a figure that is not a time, such as an accuracy).
/// </summary>
/// <param name="Name">The figure name, shared with the PyTorch script where it has a counterpart.</param>
/// <param name="Numbers">The measured quantities by JSON key; finite.</param>
public sealed record FigureResult(string Name, IReadOnlyList<KeyValuePair<string, double>> Numbers)
{
    /// <summary>A result with the given quantities.</summary>
    /// <param name="name">The figure name.</param>
    /// <param name="numbers">(key, value) pairs, in output order.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty, or a value is NaN or infinite
    /// (a broken measurement must not be printed as a figure).</exception>
    public static FigureResult Of(string name, params (string Key, double Value)[] numbers)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach ((string key, double value) in numbers)
            if (!double.IsFinite(value))
                throw new ArgumentException($"Figure '{name}': {key} is {value}; measurements must be finite.", nameof(numbers));
        return new FigureResult(name, numbers.Select(n => KeyValuePair.Create(n.Key, n.Value)).ToArray());
    }
}
