using Microsoft.ML.Data;
using Microsoft.ML.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Learns, per column, the distinct values (the "terms") and maps each value to its key 1..K (0 for values not seen
/// and for NaN). The output column is a key of <see cref="uint"/> (scalar or vector like the input) carrying the terms
/// as its <c>KeyValues</c> annotation.
/// </summary>
public sealed class ValueToKeyMappingEstimator : IEstimator<ValueToKeyMappingTransformer>
{
    /// <summary>The order of the keys.</summary>
    public enum KeyOrdinality : byte
    {
        /// <summary>In order of first occurrence in the data.</summary>
        ByOccurrence = 0,

        /// <summary>In increasing order of value (ordinal for text).</summary>
        ByValue = 1,
    }

    internal static class Defaults
    {
        public const int MaximumNumberOfKeys = 1000000;
        public const KeyOrdinality Ordinality = KeyOrdinality.ByOccurrence;
        public const bool AddKeyValueAnnotationsAsText = false;
    }

    private readonly (string Output, string Input)[] _columns;
    private readonly int _maximumNumberOfKeys;
    private readonly KeyOrdinality _ordinality;
    private readonly bool _asText;
    private readonly IDataView? _keyData;

    internal ValueToKeyMappingEstimator((string Output, string Input)[] columns, int maximumNumberOfKeys, KeyOrdinality keyOrdinality,
        bool addKeyValueAnnotationsAsText, IDataView? keyData)
    {
        foreach (var (output, input) in columns)
        {
            SchemaErrors.CheckName(output, "outputColumnName");
            SchemaErrors.CheckName(input, "inputColumnName");
        }
        if (maximumNumberOfKeys <= 0)
            throw new ArgumentOutOfRangeException(nameof(maximumNumberOfKeys), "The maximum number of keys must be positive.");
        if (!Enum.IsDefined(keyOrdinality))
            throw new ArgumentOutOfRangeException(nameof(keyOrdinality));
        if (keyData != null && keyData.Schema.Count(c => !c.IsHidden) != 1)
            throw new ArgumentException("keyData must have exactly one column.", nameof(keyData));
        _columns = columns;
        _maximumNumberOfKeys = maximumNumberOfKeys;
        _ordinality = keyOrdinality;
        _asText = addKeyValueAnnotationsAsText;
        _keyData = keyData;
    }

    /// <summary>Reads the terms in one pass (from <c>keyData</c> when given).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of an unsupported type.</exception>
    /// <exception cref="InvalidOperationException">A column has no value to build keys from.</exception>
    public ValueToKeyMappingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var terms = new Array[_columns.Length];
        for (int i = 0; i < _columns.Length; i++)
        {
            var source = SchemaErrors.Find(input.Schema, _columns[i].Input, nameof(input));
            var itemType = ValueToKeyMappingTransformer.CheckInput(source);
            IDataView data = input;
            var column = source;
            if (_keyData != null)
            {
                data = _keyData;
                column = _keyData.Schema.First(c => !c.IsHidden);
                var keyItem = column.Type is VectorDataViewType kv ? kv.ItemType : column.Type;
                if (!keyItem.Equals(itemType))
                    throw SchemaErrors.Mismatch(nameof(input), column.Name, itemType.ToString(), keyItem.ToString());
            }
            terms[i] = (Array)Generic.Invoke(typeof(ValueToKeyMappingEstimator), this, nameof(CollectTerms),
                new[] { itemType.RawType }, data, column)!;
            if (terms[i].Length == 0)
                throw new InvalidOperationException($"Column '{_columns[i].Input}' has no value to build keys from.");
        }
        return new ValueToKeyMappingTransformer(_columns, terms, _asText);
    }

    private T[] CollectTerms<T>(IDataView data, DataViewSchema.Column column)
    {
        var seen = new HashSet<T>(KeyTerms.Comparer<T>());
        var terms = new List<T>();
        using var cursor = data.GetRowCursor(new[] { column });
        void Add(T value)
        {
            if (terms.Count < _maximumNumberOfKeys && !KeyTerms.IsMissing(value) && seen.Add(value))
                terms.Add(value);
        }
        if (column.Type is VectorDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<T>>(column);
            VBuffer<T> buffer = default;
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                foreach (var value in buffer.DenseValues())
                    Add(value);
            }
        }
        else
        {
            var getter = cursor.GetGetter<T>(column);
            T value = default!;
            while (cursor.MoveNext())
            {
                getter(ref value);
                Add(value);
            }
        }
        if (_ordinality == KeyOrdinality.ByValue)
            terms.Sort(KeyTerms.Order<T>());
        return terms.ToArray();
    }

    /// <summary>Each output: same vector kind as the input, a <see cref="uint"/> key with <c>KeyValues</c> (and the
    /// input's <c>SlotNames</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of an unsupported type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToDictionary(c => c.Name);
        foreach (var (output, input) in _columns)
        {
            var source = SchemaErrors.Find(inputSchema, input, nameof(inputSchema));
            if (source.IsKey || !KeyTerms.IsSupportedValueType(source.ItemType))
                throw SchemaErrors.Mismatch(nameof(inputSchema), input, "a numeric, boolean or text scalar or vector", source.GetTypeString());
            var annotations = new List<SchemaShape.Column>();
            if (source.Annotations.TryFindColumn(AnnotationUtils.Kinds.SlotNames, out var slotNames))
                annotations.Add(slotNames);
            annotations.Add(new SchemaShape.Column(AnnotationUtils.Kinds.KeyValues, SchemaShape.Column.VectorKind.Vector,
                _asText ? TextDataViewType.Instance : source.ItemType, false));
            result[output] = new SchemaShape.Column(output, source.Kind, NumberDataViewType.UInt32, true, new SchemaShape(annotations));
        }
        return new SchemaShape(result.Values);
    }
}
