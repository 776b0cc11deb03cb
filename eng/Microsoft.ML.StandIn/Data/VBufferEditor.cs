namespace Microsoft.ML.Data;

/// <summary>Creates <see cref="VBufferEditor{T}"/> instances over a buffer's arrays.</summary>
public static class VBufferEditor
{
    /// <summary>An editor with the same length and density as <paramref name="destination"/>, which it takes over.</summary>
    public static VBufferEditor<T> CreateFromBuffer<T>(ref VBuffer<T> destination)
        => destination.GetEditor(destination.Length, destination.GetValues().Length, null, false, false);

    /// <summary>
    /// An editor of logical length <paramref name="newLogicalLength"/> with <paramref name="valuesCount"/> explicit
    /// values (dense when omitted), reusing <paramref name="destination"/>'s arrays when large enough.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, or <paramref name="valuesCount"/> exceeds the length.</exception>
    public static VBufferEditor<T> Create<T>(ref VBuffer<T> destination, int newLogicalLength, int? valuesCount = null,
        int? maxValuesCapacity = null, bool keepOldOnResize = false, bool requireIndicesOnDense = false)
        => destination.GetEditor(newLogicalLength, valuesCount, maxValuesCapacity, keepOldOnResize, requireIndicesOnDense);
}

/// <summary>
/// Mutable view of a <see cref="VBuffer{T}"/> under construction: fill <see cref="Values"/> (and <see cref="Indices"/>
/// when sparse), then call <see cref="Commit"/>.
/// </summary>
public readonly ref struct VBufferEditor<T>
{
    private readonly int _logicalLength;
    private readonly T[]? _values;
    private readonly int[]? _indices;

    /// <summary>The values to fill.</summary>
    public readonly Span<T> Values;

    /// <summary>The indices to fill (empty for a dense buffer unless requested).</summary>
    public readonly Span<int> Indices;

    /// <summary>Whether a new values array was allocated.</summary>
    public bool CreatedNewValues { get; }

    /// <summary>Whether a new indices array was allocated.</summary>
    public bool CreatedNewIndices { get; }

    internal VBufferEditor(int logicalLength, int physicalValuesCount, T[]? values, int[]? indices,
        bool requireIndicesOnDense, bool createdNewValues, bool createdNewIndices)
    {
        _logicalLength = logicalLength;
        _values = values;
        _indices = indices;
        bool dense = logicalLength == physicalValuesCount;
        Values = values.AsSpan(0, physicalValuesCount);
        Indices = !dense || requireIndicesOnDense ? indices.AsSpan(0, physicalValuesCount) : default;
        CreatedNewValues = createdNewValues;
        CreatedNewIndices = createdNewIndices;
    }

    /// <summary>The finished buffer; do not use the editor afterwards.</summary>
    public VBuffer<T> Commit() => new VBuffer<T>(_logicalLength, Values.Length, _values, _indices);

    /// <summary>The finished buffer keeping only the first <paramref name="physicalValuesCount"/> explicit values.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="physicalValuesCount"/> exceeds <see cref="Values"/>' length.</exception>
    public VBuffer<T> CommitTruncated(int physicalValuesCount)
    {
        if (physicalValuesCount > Values.Length)
            throw new ArgumentOutOfRangeException(nameof(physicalValuesCount), "Cannot be greater than the count given to VBufferEditor.Create.");
        return new VBuffer<T>(_logicalLength, physicalValuesCount, _values, _indices);
    }
}
