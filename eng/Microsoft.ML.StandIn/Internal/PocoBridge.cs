using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>One column of a row class: its member, column name and type, and the conversions between member values
/// (string, arrays) and data view values (text, <see cref="VBuffer{T}"/>).</summary>
internal sealed class PocoColumn
{
    public PocoColumn(Type rowType, SchemaDefinition.Column definition)
    {
        Member = PocoMembers.Find(rowType, definition.MemberName);
        Name = string.IsNullOrEmpty(definition.ColumnName) ? definition.MemberName : definition.ColumnName;
        Type = definition.ColumnType ?? PocoMembers.TypeOf(Member);
        var memberType = PocoMembers.MemberType(Member);
        var element = PocoMembers.ElementOf(memberType);
        bool isVector = Type is VectorDataViewType;
        var item = Type is VectorDataViewType v ? v.ItemType : Type;
        var memberItem = element ?? memberType;
        if (memberItem == typeof(string))
            memberItem = typeof(ReadOnlyMemory<char>);
        if (isVector != (element != null) || item.RawType != memberItem)
            throw new ArgumentOutOfRangeException(nameof(definition),
                $"Column '{Name}' has type {Type}, which member {Member.Name} of type {memberType} cannot hold.");
        ItemRawType = item.RawType;
    }

    public MemberInfo Member { get; }

    public string Name { get; }

    public DataViewType Type { get; }

    public Type ItemRawType { get; }

    /// <summary>A getter reading this member of the object returned by <paramref name="current"/>.</summary>
    public Delegate MakeGetter(Func<object> current)
        => (Delegate)Generic.Invoke(typeof(PocoColumn), this, Type is VectorDataViewType ? nameof(VectorGetter) : nameof(ScalarGetter),
            new[] { ItemRawType }, current)!;

    private ValueGetter<T> ScalarGetter<T>(Func<object> current)
    {
        var read = PocoMembers.Reader(Member);
        return (ref T value) =>
        {
            object? raw = read(current());
            value = raw switch
            {
                string s => (T)(object)s.AsMemory(),
                null when typeof(T) == typeof(ReadOnlyMemory<char>) => default!,
                _ => (T)raw!,
            };
        };
    }

    private ValueGetter<VBuffer<T>> VectorGetter<T>(Func<object> current)
    {
        var read = PocoMembers.Reader(Member);
        int size = ((VectorDataViewType)Type).Size;
        string name = Name;
        return (ref VBuffer<T> value) =>
        {
            object? raw = read(current());
            switch (raw)
            {
                case VBuffer<T> buffer:
                    CheckSize(buffer.Length);
                    buffer.CopyTo(ref value);
                    break;
                case string[] strings:
                {
                    CheckSize(strings.Length);
                    var editor = VBufferEditor.Create(ref value, strings.Length);
                    for (int i = 0; i < strings.Length; i++)
                        editor.Values[i] = (T)(object)(strings[i] ?? "").AsMemory();
                    value = editor.Commit();
                    break;
                }
                case T[] array:
                {
                    CheckSize(array.Length);
                    var editor = VBufferEditor.Create(ref value, array.Length);
                    array.CopyTo(editor.Values);
                    value = editor.Commit();
                    break;
                }
                case null:
                    CheckSize(0);
                    value = VBufferEditor.Create(ref value, 0).Commit();
                    break;
                default:
                    throw new InvalidOperationException($"Member {Member.Name} holds a {raw.GetType()}, not a vector.");
            }
        };

        void CheckSize(int length)
        {
            if (size > 0 && length != size)
                throw new InvalidOperationException(
                    $"Incorrect vector length for column '{name}': the column type has size {size}, the row's value has {length}.");
        }
    }

    /// <summary>An action copying the current value of <paramref name="column"/> in <paramref name="row"/> into an object.</summary>
    public Action<object> MakeSetter(DataViewRow row, DataViewSchema.Column column)
        => (Action<object>)Generic.Invoke(typeof(PocoColumn), this, Type is VectorDataViewType ? nameof(VectorSetter) : nameof(ScalarSetter),
            new[] { ItemRawType }, row, column)!;

    private Action<object> ScalarSetter<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        var write = PocoMembers.Writer(Member);
        bool toString = PocoMembers.MemberType(Member) == typeof(string);
        return target =>
        {
            T value = default!;
            getter(ref value);
            write(target, toString ? value!.ToString() : value);
        };
    }

    private Action<object> VectorSetter<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        var write = PocoMembers.Writer(Member);
        var memberType = PocoMembers.MemberType(Member);
        return target =>
        {
            VBuffer<T> value = default;
            getter(ref value);
            if (memberType == typeof(VBuffer<T>))
                write(target, value);
            else if (memberType == typeof(string[]))
                write(target, value.DenseValues().Select(v => v!.ToString()).ToArray());
            else
            {
                var array = new T[value.Length];
                value.CopyTo(array);
                write(target, array);
            }
        };
    }
}

/// <summary>The columns of a row class under an optional schema definition.</summary>
internal static class PocoSchema
{
    public static PocoColumn[] Columns(Type rowType, SchemaDefinition? definition, SchemaDefinition.Direction direction)
    {
        definition ??= SchemaDefinition.Create(rowType, direction);
        return definition.Select(c => new PocoColumn(rowType, c)).ToArray();
    }
}
