using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>
/// The values of one pass-through input column for a tile of rows that <see cref="ReadAheadCursor"/> has read ahead:
/// filled while the input cursor is on each row, served later by slot.
/// </summary>
internal abstract class ColumnTile
{
    /// <summary>Stores the input's current value of the column in <paramref name="slot"/>.</summary>
    public abstract void Fill(int slot);

    /// <summary>A <see cref="ValueGetter{TValue}"/> of the column's raw type reading slot <paramref name="currentSlot"/>().</summary>
    public abstract Delegate CreateGetter(Func<int> currentSlot);

    /// <summary>A tile for <paramref name="column"/> of <paramref name="input"/> (which must have it active).</summary>
    public static ColumnTile Create(DataViewRow input, DataViewSchema.Column column, int capacity)
    {
        Type tileType = column.Type is VectorDataViewType vector
            ? typeof(VectorTile<>).MakeGenericType(vector.ItemType.RawType)
            : typeof(ValueTile<>).MakeGenericType(column.Type.RawType);
        return (ColumnTile)Activator.CreateInstance(tileType, input, column, capacity)!;
    }

    // Scalars (numbers, text, booleans, keys, ids...) are values: copied as they are.
    private sealed class ValueTile<T> : ColumnTile
    {
        private readonly ValueGetter<T> _source;
        private readonly T[] _values;

        public ValueTile(DataViewRow input, DataViewSchema.Column column, int capacity)
        {
            _source = input.GetGetter<T>(column);
            _values = new T[capacity];
        }

        public override void Fill(int slot) => _source(ref _values[slot]);

        public override Delegate CreateGetter(Func<int> currentSlot) =>
            (ValueGetter<T>)((ref T value) => value = _values[currentSlot()]);
    }

    // Vectors own arrays: read through a scratch buffer (a source may hand out its own arrays) and copied into the
    // slot's buffer, whose arrays are reused tile after tile; served as copies, since the reader owns what it gets.
    private sealed class VectorTile<T> : ColumnTile
    {
        private readonly ValueGetter<VBuffer<T>> _source;
        private readonly VBuffer<T>[] _values;
        private VBuffer<T> _scratch;

        public VectorTile(DataViewRow input, DataViewSchema.Column column, int capacity)
        {
            _source = input.GetGetter<VBuffer<T>>(column);
            _values = new VBuffer<T>[capacity];
        }

        public override void Fill(int slot)
        {
            _source(ref _scratch);
            _scratch.CopyTo(ref _values[slot]);
        }

        public override Delegate CreateGetter(Func<int> currentSlot) =>
            (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => _values[currentSlot()].CopyTo(ref value));
    }
}
