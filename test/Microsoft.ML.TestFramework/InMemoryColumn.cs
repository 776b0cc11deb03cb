using Microsoft.ML.Data;

namespace Microsoft.ML.TestFramework;

/// <summary>The values of one column of an <see cref="InMemoryDataView"/>; <c>T</c> is the column's raw type.</summary>
internal abstract class InMemoryColumn
{
    public abstract DataViewType Type { get; }

    public abstract int RowCount { get; }

    public abstract ValueGetter<TValue> CreateGetter<TValue>(string name, Func<int> currentRow);
}

/// <summary>Writes the value of a row into a (possibly reused) destination.</summary>
internal delegate void RowValueWriter<T>(int row, ref T destination);

internal sealed class InMemoryColumn<T>(DataViewType type, int rowCount, RowValueWriter<T> write) : InMemoryColumn
{
    public override DataViewType Type => type;

    public override int RowCount => rowCount;

    public override ValueGetter<TValue> CreateGetter<TValue>(string name, Func<int> currentRow)
    {
        if (typeof(TValue) != typeof(T))
            throw new InvalidOperationException(
                $"Column '{name}' holds {type} (raw type {typeof(T).Name}); it cannot be read as {typeof(TValue).Name}.");
        ValueGetter<T> getter = (ref T value) => write(currentRow(), ref value);
        return (ValueGetter<TValue>)(Delegate)getter;
    }
}
