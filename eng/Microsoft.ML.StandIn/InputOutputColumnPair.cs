namespace Microsoft.ML;

/// <summary>An (output column, input column) name pair for estimators that work on several columns.</summary>
public sealed class InputOutputColumnPair
{
    /// <summary>The output column name.</summary>
    public string OutputColumnName { get; }

    /// <summary>The input column name.</summary>
    public string InputColumnName { get; }

    /// <summary>Creates a pair; a null <paramref name="inputColumnName"/> means the same as the output.</summary>
    /// <exception cref="ArgumentException"><paramref name="outputColumnName"/> is null or empty.</exception>
    public InputOutputColumnPair(string outputColumnName, string? inputColumnName = null)
    {
        if (string.IsNullOrEmpty(outputColumnName))
            throw new ArgumentException("The output column name must be non-empty.", nameof(outputColumnName));
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName ?? outputColumnName;
    }
}
