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
}
