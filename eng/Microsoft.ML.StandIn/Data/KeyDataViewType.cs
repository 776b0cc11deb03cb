namespace Microsoft.ML.Data;

/// <summary>
/// A categorical type: value 0 means missing, 1..<see cref="Count"/> are the categories. The raw type is one of
/// <see cref="byte"/>, <see cref="ushort"/>, <see cref="uint"/> or <see cref="ulong"/>.
/// </summary>
public sealed class KeyDataViewType : PrimitiveDataViewType
{
    /// <summary>Creates a key type of cardinality <paramref name="count"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not an unsigned integer type, or
    /// <paramref name="count"/> is 0 or exceeds the maximum of <paramref name="type"/>.</exception>
    public KeyDataViewType(Type type, ulong count) : base(type)
    {
        if (!IsValidDataType(type))
            throw new ArgumentOutOfRangeException(nameof(type), "Type is not valid, it must be Byte, UInt16, UInt32, or UInt64.");
        if (count == 0 || MaxOf(type) < count)
            throw new ArgumentOutOfRangeException(nameof(count), $"The cardinality of a KeyDataViewType must not exceed {type.Name}.MaxValue and must be strictly positive, but got {count}.");
        Count = count;
    }

    /// <summary>Creates a key type of cardinality <paramref name="count"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive, or see the other constructor.</exception>
    public KeyDataViewType(Type type, int count) : this(type, count > 0 ? (ulong)count : throw new ArgumentOutOfRangeException(nameof(count), "The cardinality of a KeyDataViewType must be strictly positive."))
    {
    }

    /// <summary>Whether <paramref name="type"/> can represent keys (the unsigned integer types).</summary>
    public static bool IsValidDataType(Type type)
        => type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(byte);

    private static ulong MaxOf(Type type)
        => type == typeof(uint) ? uint.MaxValue : type == typeof(ulong) ? ulong.MaxValue
            : type == typeof(ushort) ? ushort.MaxValue : type == typeof(byte) ? byte.MaxValue : 0UL;

    /// <summary>The cardinality: valid values are 1..Count, 0 is missing.</summary>
    public ulong Count { get; }

    /// <summary>Equal when the other is a key type with the same raw type and count.</summary>
    public override bool Equals(DataViewType? other)
        => other is KeyDataViewType key && key.RawType == RawType && key.Count == Count;

    /// <inheritdoc/>
    public override bool Equals(object? other) => other is DataViewType type && Equals(type);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(RawType, Count);

    /// <inheritdoc/>
    public override string ToString()
    {
        string raw = RawType == typeof(uint) ? "U4" : RawType == typeof(ulong) ? "U8" : RawType == typeof(ushort) ? "U2" : "U1";
        return $"Key<{raw}, 0-{Count - 1}>";
    }
}
