using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>Reflection over row classes: which members are columns, their data view types, getters and setters.</summary>
internal static class PocoMembers
{
    public static IEnumerable<MemberInfo> Get(Type type, SchemaDefinition.Direction direction)
    {
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            if (field.GetCustomAttribute<NoColumnAttribute>() == null)
                yield return field;
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length != 0 || property.GetCustomAttribute<NoColumnAttribute>() != null)
                continue;
            bool read = (direction & SchemaDefinition.Direction.Read) != 0 && property.GetGetMethod() != null;
            bool write = (direction & SchemaDefinition.Direction.Write) != 0 && property.GetSetMethod() != null;
            if (read || write)
                yield return property;
        }
    }

    public static Type MemberType(MemberInfo member) => member switch
    {
        FieldInfo f => f.FieldType,
        PropertyInfo p => p.PropertyType,
        _ => throw new ArgumentException("Not a field or property.", nameof(member)),
    };

    public static PrimitiveDataViewType? PrimitiveOf(Type type)
    {
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>)) return TextDataViewType.Instance;
        if (type == typeof(bool)) return BooleanDataViewType.Instance;
        if (type == typeof(float)) return NumberDataViewType.Single;
        if (type == typeof(double)) return NumberDataViewType.Double;
        if (type == typeof(sbyte)) return NumberDataViewType.SByte;
        if (type == typeof(byte)) return NumberDataViewType.Byte;
        if (type == typeof(short)) return NumberDataViewType.Int16;
        if (type == typeof(ushort)) return NumberDataViewType.UInt16;
        if (type == typeof(int)) return NumberDataViewType.Int32;
        if (type == typeof(uint)) return NumberDataViewType.UInt32;
        if (type == typeof(long)) return NumberDataViewType.Int64;
        if (type == typeof(ulong)) return NumberDataViewType.UInt64;
        return null;
    }

    /// <summary>The element type when <paramref name="type"/> is a vector representation (T[] or VBuffer&lt;T&gt;).</summary>
    public static Type? ElementOf(Type type)
        => type.IsArray && type.GetArrayRank() == 1 ? type.GetElementType()
            : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(VBuffer<>) ? type.GetGenericArguments()[0] : null;

    public static DataViewType TypeOf(MemberInfo member)
    {
        var memberType = MemberType(member);
        var element = ElementOf(memberType);
        var itemType = PrimitiveOf(element ?? memberType);
        if (itemType == null)
            throw new ArgumentOutOfRangeException("userType",
                $"Could not determine an IDataView type for member {member.Name} of type {memberType}");
        var keyAttribute = member.GetCustomAttribute<KeyTypeAttribute>();
        if (keyAttribute != null)
        {
            if (!KeyDataViewType.IsValidDataType(itemType.RawType))
                throw new ArgumentOutOfRangeException("userType", $"Member {member.Name} has [KeyType] but is not of an unsigned integer type.");
            ulong count = keyAttribute.Count ?? (itemType.RawType == typeof(byte) ? byte.MaxValue
                : itemType.RawType == typeof(ushort) ? ushort.MaxValue : itemType.RawType == typeof(uint) ? uint.MaxValue : ulong.MaxValue);
            itemType = new KeyDataViewType(itemType.RawType, count);
        }
        if (element == null)
            return itemType;
        var dims = member.GetCustomAttribute<VectorTypeAttribute>()?.Dims;
        return dims is { Length: > 0 } ? new VectorDataViewType(itemType, dims) : new VectorDataViewType(itemType);
    }

    /// <summary>The member named <paramref name="name"/>, a public instance field or property.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such member.</exception>
    public static MemberInfo Find(Type type, string name)
        => (MemberInfo?)type.GetField(name, BindingFlags.Public | BindingFlags.Instance)
            ?? type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance)
            ?? throw new ArgumentOutOfRangeException(nameof(name), $"No public field or property '{name}' in type {type}.");

    public static Func<object, object?> Reader(MemberInfo member) => member switch
    {
        FieldInfo f => f.GetValue,
        PropertyInfo p when p.GetGetMethod() != null => p.GetValue,
        _ => throw new InvalidOperationException($"Member {member.Name} cannot be read."),
    };

    public static Action<object, object?> Writer(MemberInfo member) => member switch
    {
        FieldInfo f when !f.IsInitOnly => f.SetValue,
        PropertyInfo p when p.GetSetMethod() != null => p.SetValue,
        _ => throw new InvalidOperationException($"Member {member.Name} cannot be written."),
    };
}
