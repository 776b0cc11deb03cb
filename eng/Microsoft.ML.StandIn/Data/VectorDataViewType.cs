using System.Collections.Immutable;

namespace Microsoft.ML.Data;

/// <summary>
/// The vector type, represented by <see cref="VBuffer{T}"/> of the item's raw type. A <see cref="Size"/> of 0 means
/// the length varies from row to row.
/// </summary>
public sealed class VectorDataViewType : StructuredDataViewType
{
    /// <summary>Creates a one-dimensional vector type; <paramref name="size"/> 0 means unknown size.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="itemType"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative.</exception>
    public VectorDataViewType(PrimitiveDataViewType itemType, int size = 0) : base(RawTypeOf(itemType))
    {
        if (size < 0)
            throw new ArgumentOutOfRangeException(nameof(size), "The vector size must be non-negative.");
        ItemType = itemType;
        Size = size;
        Dimensions = ImmutableArray.Create(size);
    }

    /// <summary>Creates a possibly multi-dimensional vector type (row-major flattening).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="itemType"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> is empty or has a negative entry.</exception>
    /// <exception cref="OverflowException">The product of the dimensions overflows <see cref="int"/>.</exception>
    public VectorDataViewType(PrimitiveDataViewType itemType, params int[] dimensions)
        : this(itemType, (dimensions ?? throw new ArgumentOutOfRangeException(nameof(dimensions), "Dimensions must be given.")).ToImmutableArray())
    {
    }

    /// <summary>Creates a possibly multi-dimensional vector type (row-major flattening).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="itemType"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> is empty or has a negative entry.</exception>
    /// <exception cref="OverflowException">The product of the dimensions overflows <see cref="int"/>.</exception>
    public VectorDataViewType(PrimitiveDataViewType itemType, ImmutableArray<int> dimensions) : base(RawTypeOf(itemType))
    {
        if (dimensions.IsDefaultOrEmpty || dimensions.Any(d => d < 0))
            throw new ArgumentOutOfRangeException(nameof(dimensions), "Dimensions must be non-empty and non-negative.");
        ItemType = itemType;
        Dimensions = dimensions;
        int size = 1;
        foreach (int d in dimensions)
            size = checked(size * d);
        Size = size;
    }

    private static Type RawTypeOf(PrimitiveDataViewType itemType)
    {
        ArgumentNullException.ThrowIfNull(itemType);
        return typeof(VBuffer<>).MakeGenericType(itemType.RawType);
    }

    /// <summary>The dimensions; 0 entries are unknown.</summary>
    public ImmutableArray<int> Dimensions { get; }

    /// <summary>Whether <see cref="Size"/> &gt; 0.</summary>
    public bool IsKnownSize => Size > 0;

    /// <summary>The item type.</summary>
    public PrimitiveDataViewType ItemType { get; }

    /// <summary>The product of <see cref="Dimensions"/>; 0 when unknown.</summary>
    public int Size { get; }

    /// <summary>Equal when item types, sizes and dimensions are equal.</summary>
    public override bool Equals(DataViewType? other)
    {
        if (ReferenceEquals(other, this))
            return true;
        return other is VectorDataViewType v && ItemType.Equals(v.ItemType) && Size == v.Size
            && Dimensions.SequenceEqual(v.Dimensions);
    }

    /// <inheritdoc/>
    public override bool Equals(object? other) => other is DataViewType type && Equals(type);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(ItemType);
        hash.Add(Size);
        foreach (int d in Dimensions)
            hash.Add(d);
        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        if (Dimensions.Length == 1)
            return Size > 0 ? $"Vector<{ItemType}, {Size}>" : $"Vector<{ItemType}>";
        return $"Vector<{ItemType}, {string.Join(", ", Dimensions.Select(d => d > 0 ? d.ToString() : "*"))}>";
    }
}
