using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>
/// The stand-in's binary encoding of column types, values, annotations and schemas inside model files.
/// </summary>
internal static class BinaryFormat
{
    private const byte TagNumber = 1, TagText = 2, TagBool = 3, TagKey = 4, TagVector = 5, TagRowId = 6;

    private static readonly NumberDataViewType[] Numbers =
    {
        NumberDataViewType.SByte, NumberDataViewType.Byte, NumberDataViewType.Int16, NumberDataViewType.UInt16,
        NumberDataViewType.Int32, NumberDataViewType.UInt32, NumberDataViewType.Int64, NumberDataViewType.UInt64,
        NumberDataViewType.Single, NumberDataViewType.Double,
    };

    public static void WriteType(BinaryWriter writer, DataViewType type)
    {
        switch (type)
        {
            case NumberDataViewType number:
                writer.Write(TagNumber);
                writer.Write((byte)Array.IndexOf(Numbers, number));
                break;
            case TextDataViewType:
                writer.Write(TagText);
                break;
            case BooleanDataViewType:
                writer.Write(TagBool);
                break;
            case RowIdDataViewType:
                writer.Write(TagRowId);
                break;
            case KeyDataViewType key:
                writer.Write(TagKey);
                writer.Write((byte)Array.IndexOf(Numbers, SchemaShape.NumberTypeOf(key.RawType)));
                writer.Write(key.Count);
                break;
            case VectorDataViewType vector:
                writer.Write(TagVector);
                WriteType(writer, vector.ItemType);
                writer.Write(vector.Dimensions.Length);
                foreach (int d in vector.Dimensions)
                    writer.Write(d);
                break;
            default:
                throw new NotSupportedException($"Column type '{type}' cannot be saved by the ML.NET stand-in.");
        }
    }

    public static DataViewType ReadType(BinaryReader reader)
    {
        byte tag = reader.ReadByte();
        switch (tag)
        {
            case TagNumber:
                return NumberAt(reader.ReadByte());
            case TagText:
                return TextDataViewType.Instance;
            case TagBool:
                return BooleanDataViewType.Instance;
            case TagRowId:
                return RowIdDataViewType.Instance;
            case TagKey:
                return new KeyDataViewType(NumberAt(reader.ReadByte()).RawType, reader.ReadUInt64());
            case TagVector:
                var item = ReadType(reader) as PrimitiveDataViewType
                    ?? throw new InvalidDataException("Vector item type is not primitive.");
                int rank = reader.ReadInt32();
                if (rank <= 0 || rank > 16)
                    throw new InvalidDataException($"Invalid vector rank {rank}.");
                var dims = new int[rank];
                for (int i = 0; i < rank; i++)
                    dims[i] = reader.ReadInt32();
                return new VectorDataViewType(item, dims);
            default:
                throw new InvalidDataException($"Unknown column type tag {tag}.");
        }
    }

    private static NumberDataViewType NumberAt(byte index)
        => index < Numbers.Length ? Numbers[index] : throw new InvalidDataException($"Unknown number type {index}.");

    // ---- values ----

    public static void WriteValue<T>(BinaryWriter writer, T value)
    {
        switch (value)
        {
            case float f: writer.Write(f); break;
            case double d: writer.Write(d); break;
            case sbyte i1: writer.Write(i1); break;
            case byte u1: writer.Write(u1); break;
            case short i2: writer.Write(i2); break;
            case ushort u2: writer.Write(u2); break;
            case int i4: writer.Write(i4); break;
            case uint u4: writer.Write(u4); break;
            case long i8: writer.Write(i8); break;
            case ulong u8: writer.Write(u8); break;
            case bool b: writer.Write(b); break;
            case ReadOnlyMemory<char> text: writer.Write(text.ToString()); break;
            case DataViewRowId id: writer.Write(id.Low); writer.Write(id.High); break;
            default:
                if (typeof(T).IsGenericType && typeof(T).GetGenericTypeDefinition() == typeof(VBuffer<>))
                {
                    Invoke(nameof(WriteVector), typeof(T).GetGenericArguments()[0], writer, value!);
                    break;
                }
                throw new NotSupportedException($"Values of type '{typeof(T)}' cannot be saved by the ML.NET stand-in.");
        }
    }

    public static T ReadValue<T>(BinaryReader reader)
    {
        object value;
        var t = typeof(T);
        if (t == typeof(float)) value = reader.ReadSingle();
        else if (t == typeof(double)) value = reader.ReadDouble();
        else if (t == typeof(sbyte)) value = reader.ReadSByte();
        else if (t == typeof(byte)) value = reader.ReadByte();
        else if (t == typeof(short)) value = reader.ReadInt16();
        else if (t == typeof(ushort)) value = reader.ReadUInt16();
        else if (t == typeof(int)) value = reader.ReadInt32();
        else if (t == typeof(uint)) value = reader.ReadUInt32();
        else if (t == typeof(long)) value = reader.ReadInt64();
        else if (t == typeof(ulong)) value = reader.ReadUInt64();
        else if (t == typeof(bool)) value = reader.ReadBoolean();
        else if (t == typeof(ReadOnlyMemory<char>)) value = reader.ReadString().AsMemory();
        else if (t == typeof(DataViewRowId)) value = new DataViewRowId(reader.ReadUInt64(), reader.ReadUInt64());
        else if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(VBuffer<>))
            value = Invoke(nameof(ReadVector), t.GetGenericArguments()[0], reader)!;
        else
            throw new NotSupportedException($"Values of type '{t}' cannot be loaded by the ML.NET stand-in.");
        return (T)value;
    }

    private static object? Invoke(string method, Type typeArgument, params object[] args)
    {
        try
        {
            return typeof(BinaryFormat).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(typeArgument).Invoke(null, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    private static void WriteVector<TItem>(BinaryWriter writer, VBuffer<TItem> vector)
    {
        writer.Write(vector.Length);
        var values = vector.GetValues();
        writer.Write(vector.IsDense ? -1 : values.Length);
        if (!vector.IsDense)
        {
            foreach (int i in vector.GetIndices())
                writer.Write(i);
        }
        foreach (var v in values)
            WriteValue(writer, v);
    }

    private static VBuffer<TItem> ReadVector<TItem>(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        int count = reader.ReadInt32();
        if (length < 0 || count < -1 || count > length)
            throw new InvalidDataException("Invalid vector header.");
        if (count == -1)
        {
            var values = new TItem[length];
            for (int i = 0; i < length; i++)
                values[i] = ReadValue<TItem>(reader);
            return new VBuffer<TItem>(length, values);
        }
        var indices = new int[count];
        for (int i = 0; i < count; i++)
            indices[i] = reader.ReadInt32();
        var sparse = new TItem[count];
        for (int i = 0; i < count; i++)
            sparse[i] = ReadValue<TItem>(reader);
        return new VBuffer<TItem>(length, count, sparse, indices);
    }

    // ---- annotations and schemas ----

    public static void WriteAnnotations(BinaryWriter writer, DataViewSchema.Annotations annotations)
    {
        var savable = annotations.Schema.Where(c => IsSavable(c.Type)).ToArray();
        writer.Write(savable.Length);
        foreach (var column in savable)
        {
            writer.Write(column.Name);
            WriteType(writer, column.Type);
            Invoke(nameof(WriteAnnotationValue), column.Type.RawType, writer, annotations, column);
        }
    }

    private static void WriteAnnotationValue<T>(BinaryWriter writer, DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        T value = default!;
        annotations.GetGetter<T>(column)(ref value);
        WriteValue(writer, value);
    }

    public static DataViewSchema.Annotations ReadAnnotations(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0)
            throw new InvalidDataException("Invalid annotation count.");
        var builder = new DataViewSchema.Annotations.Builder();
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            var type = ReadType(reader);
            Invoke(nameof(ReadAnnotationValue), type.RawType, reader, builder, name, type);
        }
        return builder.ToAnnotations();
    }

    private static void ReadAnnotationValue<T>(BinaryReader reader, DataViewSchema.Annotations.Builder builder, string name, DataViewType type)
    {
        T value = ReadValue<T>(reader);
        builder.Add(name, type, (ref T dst) => ValueCopy.Copy(value, ref dst));
    }

    private static bool IsSavable(DataViewType type)
        => type is NumberDataViewType or TextDataViewType or BooleanDataViewType or KeyDataViewType or RowIdDataViewType
            || type is VectorDataViewType v && IsSavable(v.ItemType);

    public static void WriteSchema(BinaryWriter writer, DataViewSchema schema)
    {
        writer.Write(schema.Count);
        foreach (var column in schema)
        {
            writer.Write(column.Name);
            WriteType(writer, column.Type);
            WriteAnnotations(writer, column.Annotations);
        }
    }

    public static DataViewSchema ReadSchema(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0)
            throw new InvalidDataException("Invalid column count.");
        var builder = new DataViewSchema.Builder();
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            var type = ReadType(reader);
            builder.AddColumn(name, type, ReadAnnotations(reader));
        }
        return builder.ToSchema();
    }
}
