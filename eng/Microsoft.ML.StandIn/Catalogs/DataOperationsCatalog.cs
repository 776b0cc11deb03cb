using Microsoft.ML.Data;
using Microsoft.ML.Internal;

namespace Microsoft.ML;

/// <summary>Loading data from objects, reading it back, and splitting, shuffling and truncating it.</summary>
public sealed class DataOperationsCatalog
{
    private readonly MLContext _context;

    internal DataOperationsCatalog(MLContext context)
    {
        _context = context;
    }

    /// <summary>A train set and a test set (a struct with read-only fields, as in ML.NET).</summary>
    public struct TrainTestData
    {
        /// <summary>The training rows.</summary>
        public readonly IDataView TrainSet;

        /// <summary>The test rows.</summary>
        public readonly IDataView TestSet;

        internal TrainTestData(IDataView trainSet, IDataView testSet)
        {
            TrainSet = trainSet;
            TestSet = testSet;
        }
    }

    /// <summary>A lazy view of <paramref name="data"/>: one column per public field/property of <typeparamref name="TRow"/>
    /// (see <see cref="SchemaDefinition.Create"/>), or as given by <paramref name="schemaDefinition"/>. The enumerable is
    /// enumerated again by every cursor.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A member has no data view type, or a definition does not fit its member.</exception>
    public IDataView LoadFromEnumerable<TRow>(IEnumerable<TRow> data, SchemaDefinition? schemaDefinition = null)
        where TRow : class
    {
        ArgumentNullException.ThrowIfNull(data);
        return new EnumerableDataView<TRow>(data, PocoSchema.Columns(typeof(TRow), schemaDefinition, SchemaDefinition.Direction.Read), null);
    }

    /// <summary>Like the other overload, with the column types and annotations of <paramref name="schema"/> for the
    /// columns of the same names.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A schema column's type does not fit its member.</exception>
    public IDataView LoadFromEnumerable<TRow>(IEnumerable<TRow> data, DataViewSchema schema)
        where TRow : class
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(schema);
        var definition = SchemaDefinition.Create(typeof(TRow), SchemaDefinition.Direction.Read);
        var annotations = new DataViewSchema.Annotations[definition.Count];
        for (int i = 0; i < definition.Count; i++)
        {
            var column = schema.GetColumnOrNull(definition[i].ColumnName);
            annotations[i] = column?.Annotations ?? DataViewSchema.Annotations.Empty;
            if (column != null)
                definition[i].ColumnType = column.Value.Type;
        }
        return new EnumerableDataView<TRow>(data, PocoSchema.Columns(typeof(TRow), definition, SchemaDefinition.Direction.Read), annotations);
    }

    /// <summary>Reads <paramref name="data"/> into objects: each public field/property of <typeparamref name="TRow"/> is
    /// set from the column of its name (text to string, vectors to arrays). With <paramref name="reuseRowObject"/> the
    /// same object is returned for every row.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A member's column is missing (unless <paramref name="ignoreMissingColumns"/>)
    /// or of a type the member cannot hold.</exception>
    public IEnumerable<TRow> CreateEnumerable<TRow>(IDataView data, bool reuseRowObject, bool ignoreMissingColumns = false,
        SchemaDefinition? schemaDefinition = null)
        where TRow : class, new()
    {
        ArgumentNullException.ThrowIfNull(data);
        var binding = RowWriter<TRow>.Bind(data.Schema, schemaDefinition, ignoreMissingColumns);
        return Enumerate(data, binding, reuseRowObject);
    }

    private static IEnumerable<TRow> Enumerate<TRow>(IDataView data, RowWriter<TRow> binding, bool reuse)
        where TRow : class, new()
    {
        using var cursor = data.GetRowCursor(binding.Columns);
        var write = binding.MakeWriter(cursor);
        TRow? shared = reuse ? new TRow() : null;
        while (cursor.MoveNext())
        {
            var row = shared ?? new TRow();
            write(row);
            yield return row;
        }
    }

    /// <summary>The first <paramref name="count"/> rows (lazy).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive (as in ML.NET).</exception>
    public IDataView TakeRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (count <= 0)
            throw new ArgumentOutOfRangeException(nameof(count), "Must be greater than zero.");
        return new RowFilterDataView(input, () => _ => true, count);
    }

    /// <summary>The rows after the first <paramref name="count"/> (lazy).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive (as in ML.NET).</exception>
    public IDataView SkipRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (count <= 0)
            throw new ArgumentOutOfRangeException(nameof(count), "Must be greater than zero.");
        return new RowFilterDataView(input, () => i => i >= count);
    }

    /// <summary>The rows in a random order fixed by <paramref name="seed"/> (drawn from the context when null). The
    /// stand-in reads all rows into memory and permutes them, so the pool size does not matter.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shufflePoolSize"/> is not positive (as in ML.NET).</exception>
    public IDataView ShuffleRows(IDataView input, int? seed = null, int shufflePoolSize = 1000, bool shuffleSource = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (shufflePoolSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(shufflePoolSize), "Must be positive.");
        var all = InMemoryDataView.Materialize(input);
        var shuffled = InMemoryDataView.Materialize(all, new Random(seed ?? _context.NextSeed()));
        return shuffled;
    }

    /// <summary>Reads every row into memory once (the result can be cursored many times cheaply). The stand-in
    /// caches every column, so <paramref name="columnsToPrefetch"/> (null or empty allowed) is only checked.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column of <paramref name="columnsToPrefetch"/> is not in the input.</exception>
    public IDataView Cache(IDataView input, params string[] columnsToPrefetch)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var name in columnsToPrefetch ?? Array.Empty<string>())
            SchemaErrors.Find(input.Schema, name, nameof(columnsToPrefetch));
        return InMemoryDataView.Materialize(input);
    }

    /// <summary>Splits the rows at random: each row goes to the test set with probability <paramref name="testFraction"/>,
    /// decided by a hash of <paramref name="seed"/> (drawn from the context when null) and the row index, so the same seed
    /// gives the same split and the two sets are complementary.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is not strictly between 0 and 1 (as in ML.NET).</exception>
    /// <exception cref="ArgumentException"><paramref name="samplingKeyColumnName"/> is given (the stand-in does not
    /// provide grouped sampling).</exception>
    public TrainTestData TrainTestSplit(IDataView data, double testFraction = 0.1, string? samplingKeyColumnName = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), "Must be between 0 and 1 exclusive");
        if (samplingKeyColumnName != null)
            throw new ArgumentException("Sampling by key column is not provided by the ML.NET stand-in.", nameof(samplingKeyColumnName));
        ulong s = (ulong)(seed ?? _context.NextSeed());
        bool IsTest(long index) => Uniform(s, (ulong)index) < testFraction;
        return new TrainTestData(new RowFilterDataView(data, () => i => !IsTest(i)), new RowFilterDataView(data, () => IsTest));
    }

    // SplitMix64 finalizer of (seed, index), mapped to [0, 1) with 53 bits.
    private static double Uniform(ulong seed, ulong index)
    {
        ulong z = seed * 0x9E3779B97F4A7C15UL + index + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
