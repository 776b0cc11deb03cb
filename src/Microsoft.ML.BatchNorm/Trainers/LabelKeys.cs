using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>Reads key-typed labels of any raw key type as 1-based key values (0 = missing).</summary>
internal static class LabelKeys
{
    public static ValueGetter<ulong> GetGetter(DataViewRow row, DataViewSchema.Column column)
    {
        var type = (KeyDataViewType)column.Type;
        if (type.RawType == typeof(uint))
        {
            var getter = row.GetGetter<uint>(column);
            uint v = 0;
            return (ref ulong value) => { getter(ref v); value = v; };
        }
        if (type.RawType == typeof(byte))
        {
            var getter = row.GetGetter<byte>(column);
            byte v = 0;
            return (ref ulong value) => { getter(ref v); value = v; };
        }
        if (type.RawType == typeof(ushort))
        {
            var getter = row.GetGetter<ushort>(column);
            ushort v = 0;
            return (ref ulong value) => { getter(ref v); value = v; };
        }
        return row.GetGetter<ulong>(column);
    }

    /// <summary>A getter of <paramref name="rawType"/> that writes <paramref name="read"/>'s key value.</summary>
    public static Delegate MakeKeyGetter(Type rawType, Func<uint> read)
    {
        if (rawType == typeof(uint)) return (ValueGetter<uint>)((ref uint v) => v = read());
        if (rawType == typeof(byte)) return (ValueGetter<byte>)((ref byte v) => v = checked((byte)read()));
        if (rawType == typeof(ushort)) return (ValueGetter<ushort>)((ref ushort v) => v = checked((ushort)read()));
        return (ValueGetter<ulong>)((ref ulong v) => v = read());
    }
}
