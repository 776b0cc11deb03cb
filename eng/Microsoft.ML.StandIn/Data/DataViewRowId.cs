namespace Microsoft.ML.Data;

/// <summary>A 128-bit row identifier (<see cref="High"/>, <see cref="Low"/>), ordered by High then Low.</summary>
public readonly struct DataViewRowId : IComparable<DataViewRowId>, IEquatable<DataViewRowId>
{
    /// <summary>The low 64 bits.</summary>
    public readonly ulong Low;

    /// <summary>The high 64 bits.</summary>
    public readonly ulong High;

    /// <summary>Creates an id from its two halves.</summary>
    public DataViewRowId(ulong low, ulong high)
    {
        Low = low;
        High = high;
    }

    /// <inheritdoc/>
    public override string ToString() => $"0x{High:x16}{Low:x16}";

    /// <inheritdoc/>
    public int CompareTo(DataViewRowId other)
    {
        int c = High.CompareTo(other.High);
        return c != 0 ? c : Low.CompareTo(other.Low);
    }

    /// <inheritdoc/>
    public bool Equals(DataViewRowId other) => Low == other.Low && High == other.High;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewRowId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Low, High);

    /// <summary>Equality.</summary>
    public static bool operator ==(DataViewRowId first, DataViewRowId second) => first.Equals(second);
    /// <summary>Inequality.</summary>
    public static bool operator !=(DataViewRowId first, DataViewRowId second) => !first.Equals(second);
    /// <summary>Ordering.</summary>
    public static bool operator <=(DataViewRowId first, DataViewRowId second) => first.CompareTo(second) <= 0;
    /// <summary>Ordering.</summary>
    public static bool operator >=(DataViewRowId first, DataViewRowId second) => first.CompareTo(second) >= 0;
    /// <summary>Ordering.</summary>
    public static bool operator <(DataViewRowId first, DataViewRowId second) => first.CompareTo(second) < 0;
    /// <summary>Ordering.</summary>
    public static bool operator >(DataViewRowId first, DataViewRowId second) => first.CompareTo(second) > 0;
}
