using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>Value/key dictionary helpers of ValueToKey and KeyToValue: equality of values, missing values, text.</summary>
internal static class KeyTerms
{
    public static bool IsSupportedValueType(DataViewType type)
        => type == NumberDataViewType.Single || type == NumberDataViewType.Double || type == NumberDataViewType.Int32
            || type == NumberDataViewType.UInt32 || type == NumberDataViewType.Int64 || type == NumberDataViewType.UInt64
            || type == NumberDataViewType.Int16 || type == NumberDataViewType.UInt16 || type == NumberDataViewType.Byte
            || type == NumberDataViewType.SByte || type is BooleanDataViewType or TextDataViewType;

    /// <summary>NaN is ML.NET's missing value of floating-point columns: it maps to key 0 and is never a term.</summary>
    public static bool IsMissing<T>(T value) => value switch
    {
        float f => float.IsNaN(f),
        double d => double.IsNaN(d),
        _ => false,
    };

    public static IEqualityComparer<T> Comparer<T>()
        => typeof(T) == typeof(ReadOnlyMemory<char>) ? (IEqualityComparer<T>)(object)TextComparer.Instance : EqualityComparer<T>.Default;

    public static IComparer<T> Order<T>()
        => typeof(T) == typeof(ReadOnlyMemory<char>) ? (IComparer<T>)(object)TextComparer.Instance : System.Collections.Generic.Comparer<T>.Default;

    public static ReadOnlyMemory<char> ToText<T>(T value) => value switch
    {
        ReadOnlyMemory<char> text => text,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture).AsMemory(),
        _ => (value?.ToString() ?? "").AsMemory(),
    };

    private sealed class TextComparer : IEqualityComparer<ReadOnlyMemory<char>>, IComparer<ReadOnlyMemory<char>>
    {
        public static readonly TextComparer Instance = new();

        public bool Equals(ReadOnlyMemory<char> x, ReadOnlyMemory<char> y) => x.Span.SequenceEqual(y.Span);

        public int GetHashCode(ReadOnlyMemory<char> obj) => string.GetHashCode(obj.Span, StringComparison.Ordinal);

        public int Compare(ReadOnlyMemory<char> x, ReadOnlyMemory<char> y) => x.Span.CompareTo(y.Span, StringComparison.Ordinal);
    }
}
