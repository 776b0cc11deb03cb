using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>
/// A materialized data view: one array of raw values per column. Vectors are copied out on read so that callers can
/// reuse their buffers without touching the stored rows.
/// </summary>
internal sealed class InMemoryDataView : IDataView
{
    private readonly Array[] _columns;
    private readonly int _rowCount;

    public InMemoryDataView(DataViewSchema schema, Array[] columns, int rowCount)
    {
        Schema = schema;
        _columns = columns;
        _rowCount = rowCount;
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => true;

    public long? GetRowCount() => _rowCount;

    /// <summary>Reads every row of <paramref name="source"/> (in the order given by a cursor with <paramref name="rand"/>).</summary>
    public static InMemoryDataView Materialize(IDataView source, Random? rand = null)
    {
        var schema = source.Schema;
        var readers = new List<Action>();
        using var cursor = source.GetRowCursor(schema, rand);
        var columns = new Array[schema.Count];
        var appenders = new Func<int, Array>[schema.Count];
        for (int c = 0; c < schema.Count; c++)
        {
            var method = typeof(InMemoryDataView).GetMethod(nameof(MakeAppender), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(schema[c].Type.RawType);
            var pair = ((Action append, Func<int, Array> finish))method.Invoke(null, new object[] { cursor, schema[c] })!;
            readers.Add(pair.append);
            appenders[c] = pair.finish;
        }
        int count = 0;
        while (cursor.MoveNext())
        {
            foreach (var read in readers)
                read();
            count++;
        }
        for (int c = 0; c < schema.Count; c++)
            columns[c] = appenders[c](count);
        return new InMemoryDataView(schema, columns, count);
    }

    private static (Action, Func<int, Array>) MakeAppender<T>(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<T>(column);
        var list = new List<T>();
        return (() =>
        {
            T value = default!;
            getter(ref value);
            list.Add(value);
        }, n => list.ToArray());
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = RowHelper.ActiveFlags(Schema, columnsNeeded);
        int[]? order = null;
        if (rand != null)
        {
            order = Enumerable.Range(0, _rowCount).ToArray();
            // Fisher-Yates shuffle driven by the caller's generator.
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = rand.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        return new Cursor(this, active, order);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : CursorBase
    {
        private readonly InMemoryDataView _view;
        private readonly int[]? _order;
        private int _next;
        private int _row = -1;

        public Cursor(InMemoryDataView view, bool[] active, int[]? order) : base(view.Schema, active)
        {
            _view = view;
            _order = order;
        }

        protected override long RowIndex => _row;

        protected override bool MoveNextCore()
        {
            if (_next >= _view._rowCount)
                return false;
            _row = _order?[_next] ?? _next;
            _next++;
            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckActive(column);
            if (_view._columns[column.Index] is not TValue[] values)
                throw RowHelper.WrongType<TValue>(column);
            return (ref TValue value) =>
            {
                if (_row < 0)
                    throw new InvalidOperationException("The cursor is not on a row.");
                ValueCopy.Copy(values[_row], ref value);
            };
        }
    }
}

/// <summary>Copies values so that stored vectors are never handed out by reference.</summary>
internal static class ValueCopy
{
    public static void Copy<T>(T source, ref T destination)
    {
        if (typeof(T).IsGenericType && typeof(T).GetGenericTypeDefinition() == typeof(VBuffer<>))
            VBufferCopy<T>.Instance(source, ref destination);
        else
            destination = source;
    }

    private delegate void CopyDelegate<T>(T source, ref T destination);

    private static class VBufferCopy<T>
    {
        public static readonly CopyDelegate<T> Instance = (CopyDelegate<T>)typeof(VBufferCopy<T>)
            .GetMethod(nameof(CopyBuffer), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(typeof(T).GetGenericArguments()[0])
            .CreateDelegate(typeof(CopyDelegate<T>));

        private static void CopyBuffer<TItem>(VBuffer<TItem> source, ref VBuffer<TItem> destination) => source.CopyTo(ref destination);
    }
}
