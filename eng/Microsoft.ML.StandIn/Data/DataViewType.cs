namespace Microsoft.ML.Data;

/// <summary>
/// Base class of every column type of the <see cref="IDataView"/> type system. <see cref="RawType"/> is the .NET
/// type that holds one value of the column.
/// </summary>
public abstract class DataViewType : IEquatable<DataViewType>
{
    // Same accessibility as ML.NET: only the primitive/structured bases may derive from this class.
    private protected DataViewType(Type rawType)
    {
        RawType = rawType ?? throw new ArgumentNullException(nameof(rawType));
    }

    /// <summary>The .NET type that represents one value (for vectors: <see cref="VBuffer{T}"/>).</summary>
    public Type RawType { get; }

    /// <summary>Type equality: reference equality for the singletons, structural for keys and vectors.</summary>
    public abstract bool Equals(DataViewType? other);
}

/// <summary>Base class of the non-primitive types (vectors).</summary>
public abstract class StructuredDataViewType : DataViewType
{
    /// <summary>Creates a structured type represented by <paramref name="rawType"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="rawType"/> is null.</exception>
    protected StructuredDataViewType(Type rawType) : base(rawType)
    {
    }
}

/// <summary>Base class of the primitive types: values can be copied freely by assignment.</summary>
public abstract class PrimitiveDataViewType : DataViewType
{
    /// <summary>Creates a primitive type represented by <paramref name="rawType"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="rawType"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="rawType"/> is disposable.</exception>
    protected PrimitiveDataViewType(Type rawType) : base(rawType)
    {
        if (typeof(IDisposable).IsAssignableFrom(rawType))
            throw new ArgumentException("A primitive data view type cannot have a disposable raw type.", nameof(rawType));
    }
}

/// <summary>The text type, represented by <see cref="ReadOnlyMemory{T}"/> of <see cref="char"/>.</summary>
public sealed class TextDataViewType : PrimitiveDataViewType
{
    private TextDataViewType() : base(typeof(ReadOnlyMemory<char>))
    {
    }

    /// <summary>The single instance.</summary>
    public static TextDataViewType Instance { get; } = new TextDataViewType();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(other, this);

    /// <inheritdoc/>
    public override string ToString() => "Text";
}

/// <summary>The standard number types (one instance per .NET numeric type).</summary>
public sealed class NumberDataViewType : PrimitiveDataViewType
{
    private readonly string _name;

    private NumberDataViewType(Type rawType, string name) : base(rawType)
    {
        _name = name;
    }

    /// <summary><see cref="sbyte"/>.</summary>
    public static NumberDataViewType SByte { get; } = new NumberDataViewType(typeof(sbyte), "I1");
    /// <summary><see cref="byte"/>.</summary>
    public static NumberDataViewType Byte { get; } = new NumberDataViewType(typeof(byte), "U1");
    /// <summary><see cref="short"/>.</summary>
    public static NumberDataViewType Int16 { get; } = new NumberDataViewType(typeof(short), "I2");
    /// <summary><see cref="ushort"/>.</summary>
    public static NumberDataViewType UInt16 { get; } = new NumberDataViewType(typeof(ushort), "U2");
    /// <summary><see cref="int"/>.</summary>
    public static NumberDataViewType Int32 { get; } = new NumberDataViewType(typeof(int), "I4");
    /// <summary><see cref="uint"/>.</summary>
    public static NumberDataViewType UInt32 { get; } = new NumberDataViewType(typeof(uint), "U4");
    /// <summary><see cref="long"/>.</summary>
    public static NumberDataViewType Int64 { get; } = new NumberDataViewType(typeof(long), "I8");
    /// <summary><see cref="ulong"/>.</summary>
    public static NumberDataViewType UInt64 { get; } = new NumberDataViewType(typeof(ulong), "U8");
    /// <summary><see cref="float"/>.</summary>
    public static NumberDataViewType Single { get; } = new NumberDataViewType(typeof(float), "R4");
    /// <summary><see cref="double"/>.</summary>
    public static NumberDataViewType Double { get; } = new NumberDataViewType(typeof(double), "R8");

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(other, this);

    /// <inheritdoc/>
    public override string ToString() => _name;
}

/// <summary>The row id type, represented by <see cref="DataViewRowId"/>.</summary>
public sealed class RowIdDataViewType : PrimitiveDataViewType
{
    private RowIdDataViewType() : base(typeof(DataViewRowId))
    {
    }

    /// <summary>The single instance.</summary>
    public static RowIdDataViewType Instance { get; } = new RowIdDataViewType();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(other, this);

    /// <inheritdoc/>
    public override string ToString() => "DataViewRowId";
}

/// <summary>The boolean type.</summary>
public sealed class BooleanDataViewType : PrimitiveDataViewType
{
    private BooleanDataViewType() : base(typeof(bool))
    {
    }

    /// <summary>The single instance.</summary>
    public static BooleanDataViewType Instance { get; } = new BooleanDataViewType();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(other, this);

    /// <inheritdoc/>
    public override string ToString() => "Bool";
}
