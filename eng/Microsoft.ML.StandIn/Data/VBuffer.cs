namespace Microsoft.ML.Data;

/// <summary>
/// A vector value, dense or sparse. Dense: <see cref="GetValues"/> has <see cref="Length"/> items. Sparse:
/// <see cref="GetValues"/> and <see cref="GetIndices"/> are parallel, indices strictly increasing in
/// [0, <see cref="Length"/>), and the slots not listed hold <c>default(T)</c>. The struct takes ownership of the arrays
/// it is built from; edit through <see cref="VBufferEditor{T}"/> to reuse them.
/// </summary>
public readonly struct VBuffer<T>
{
    private readonly T[]? _values;
    private readonly int[]? _indices;
    private readonly int _count;

    /// <summary>The logical length.</summary>
    public readonly int Length;

    /// <summary>Creates a dense buffer of <paramref name="length"/> taking ownership of <paramref name="values"/>
    /// (and of <paramref name="indices"/> as spare storage).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or <paramref name="values"/> is shorter.</exception>
    public VBuffer(int length, T[]? values, int[]? indices = null)
    {
        if (length < 0)
            throw new ArgumentOutOfRangeException(nameof(length), "Length must be non-negative.");
        if ((values?.Length ?? 0) < length)
            throw new ArgumentOutOfRangeException(nameof(values), "Values array is shorter than the length.");
        Length = length;
        _count = length;
        _values = values;
        _indices = indices;
    }

    /// <summary>Creates a dense (<paramref name="count"/> == <paramref name="length"/>) or sparse buffer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, <paramref name="count"/> exceeds
    /// <paramref name="length"/>, or an array is shorter than <paramref name="count"/>.</exception>
    public VBuffer(int length, int count, T[]? values, int[]? indices)
    {
        if (length < 0)
            throw new ArgumentOutOfRangeException(nameof(length), "Length must be non-negative.");
        if (count < 0 || count > length)
            throw new ArgumentOutOfRangeException(nameof(count), "Count must be between 0 and the length.");
        if ((values?.Length ?? 0) < count)
            throw new ArgumentOutOfRangeException(nameof(values), "Values array is shorter than the count.");
        if (count < length && (indices?.Length ?? 0) < count)
            throw new ArgumentOutOfRangeException(nameof(indices), "Indices array is shorter than the count.");
        Length = length;
        _count = count;
        _values = values;
        _indices = indices;
    }

    /// <summary>The explicitly represented values (all <see cref="Length"/> of them when dense).</summary>
    public ReadOnlySpan<T> GetValues() => _values.AsSpan(0, _count);

    /// <summary>The indices of the explicit values; empty when dense.</summary>
    public ReadOnlySpan<int> GetIndices() => IsDense ? default : _indices.AsSpan(0, _count);

    /// <summary>Whether every slot is explicit.</summary>
    public bool IsDense => _count == Length;

    /// <summary>Copies into <paramref name="destination"/> in dense form, reusing its arrays.</summary>
    public void CopyToDense(ref VBuffer<T> destination)
    {
        var editor = VBufferEditor.Create(ref destination, Length);
        CopyTo(editor.Values);
        destination = editor.Commit();
    }

    /// <summary>Copies into <paramref name="destination"/>, keeping the representation, reusing its arrays.</summary>
    public void CopyTo(ref VBuffer<T> destination)
    {
        var editor = VBufferEditor.Create(ref destination, Length, _count);
        GetValues().CopyTo(editor.Values);
        if (!IsDense)
            GetIndices().CopyTo(editor.Indices);
        destination = editor.Commit();
    }

    /// <summary>Copies the slots [<paramref name="sourceIndex"/>, <paramref name="sourceIndex"/> + <paramref name="length"/>)
    /// into <paramref name="destination"/> (length <paramref name="length"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside [0, <see cref="Length"/>].</exception>
    public void CopyTo(ref VBuffer<T> destination, int sourceIndex, int length)
    {
        if (sourceIndex < 0 || sourceIndex > Length)
            throw new ArgumentOutOfRangeException(nameof(sourceIndex), "Source index out of range.");
        if (length < 0 || sourceIndex > Length - length)
            throw new ArgumentOutOfRangeException(nameof(length), "Length out of range.");
        if (IsDense)
        {
            var editor = VBufferEditor.Create(ref destination, length);
            _values.AsSpan(sourceIndex, length).CopyTo(editor.Values);
            destination = editor.Commit();
            return;
        }
        var indices = GetIndices();
        int first = LowerBound(indices, sourceIndex);
        int last = LowerBound(indices, sourceIndex + length);
        int n = last - first;
        var sparse = VBufferEditor.Create(ref destination, length, n);
        _values.AsSpan(first, n).CopyTo(sparse.Values);
        if (n < length)
        {
            for (int i = 0; i < n; i++)
                sparse.Indices[i] = indices[first + i] - sourceIndex;
        }
        destination = sparse.Commit();
    }

    /// <summary>Densifies into <paramref name="destination"/>, which must hold at least <see cref="Length"/> items.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destination"/> is too short.</exception>
    public void CopyTo(Span<T> destination) => CopyTo(destination, 0);

    /// <summary>Densifies into <paramref name="destination"/> from <paramref name="destinationIndex"/>, implicit slots
    /// set to <paramref name="defaultValue"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destination"/> is too short for the index and length.</exception>
    public void CopyTo(Span<T> destination, int destinationIndex, T defaultValue = default!)
    {
        if (destinationIndex < 0 || destinationIndex > destination.Length - Length)
            throw new ArgumentOutOfRangeException(nameof(destination), "Not large enough to hold these values.");
        var target = destination.Slice(destinationIndex, Length);
        if (IsDense)
        {
            GetValues().CopyTo(target);
            return;
        }
        target.Fill(defaultValue);
        var values = GetValues();
        var indices = GetIndices();
        for (int i = 0; i < values.Length; i++)
            target[indices[i]] = values[i];
    }

    /// <summary>Copies <paramref name="length"/> items of <paramref name="source"/> from <paramref name="sourceIndex"/>
    /// into a dense <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside <paramref name="source"/>.</exception>
    public static void Copy(T[] source, int sourceIndex, ref VBuffer<T> destination, int length)
    {
        int size = source?.Length ?? 0;
        if (length < 0 || length > size)
            throw new ArgumentOutOfRangeException(nameof(length), "Length out of range.");
        if (sourceIndex < 0 || sourceIndex > size - length)
            throw new ArgumentOutOfRangeException(nameof(sourceIndex), "Source index out of range.");
        var editor = VBufferEditor.Create(ref destination, length);
        source.AsSpan(sourceIndex, length).CopyTo(editor.Values);
        destination = editor.Commit();
    }

    /// <summary>The (index, value) pairs: explicit ones only, or all <see cref="Length"/> when <paramref name="all"/>.</summary>
    public IEnumerable<KeyValuePair<int, T>> Items(bool all = false)
    {
        // Iterators cannot use spans: capture the arrays.
        var values = _values;
        var indices = _indices;
        int count = _count;
        int length = Length;
        if (count == length)
        {
            for (int i = 0; i < count; i++)
                yield return new KeyValuePair<int, T>(i, values![i]);
            yield break;
        }
        if (!all)
        {
            for (int i = 0; i < count; i++)
                yield return new KeyValuePair<int, T>(indices![i], values![i]);
            yield break;
        }
        int next = 0;
        for (int slot = 0; slot < length; slot++)
        {
            if (next < count && indices![next] == slot)
                yield return new KeyValuePair<int, T>(slot, values![next++]);
            else
                yield return new KeyValuePair<int, T>(slot, default!);
        }
    }

    /// <summary>All <see cref="Length"/> values in slot order, implicit ones as <c>default(T)</c>.</summary>
    public IEnumerable<T> DenseValues()
    {
        foreach (var pair in Items(all: true))
            yield return pair.Value;
    }

    /// <summary>The value at <paramref name="index"/> (default for an implicit slot).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Length"/>).</exception>
    public void GetItemOrDefault(int index, ref T destination) => destination = GetItemOrDefault(index);

    /// <summary>The value at <paramref name="index"/> (default for an implicit slot).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Length"/>).</exception>
    public T GetItemOrDefault(int index)
    {
        if (index < 0 || index >= Length)
            throw new ArgumentOutOfRangeException(nameof(index), "Index out of range.");
        if (IsDense)
            return _values![index];
        int pos = GetIndices().BinarySearch(index);
        return pos >= 0 ? _values![pos] : default!;
    }

    /// <inheritdoc/>
    public override string ToString()
        => IsDense ? $"Dense vector of size {Length}" : $"Sparse vector of size {Length}, {_count} explicit values";

    internal VBufferEditor<T> GetEditor(int newLogicalLength, int? valuesCount, int? maxValuesCapacity,
        bool keepOldOnResize, bool requireIndicesOnDense)
    {
        if (newLogicalLength < 0)
            throw new ArgumentOutOfRangeException(nameof(newLogicalLength), "Must be non-negative.");
        if (valuesCount is int vc && (vc < 0 || vc > newLogicalLength))
            throw new ArgumentOutOfRangeException(nameof(valuesCount), "If specified, must be between 0 and newLogicalLength.");
        int count = valuesCount ?? newLogicalLength;
        int cap = maxValuesCapacity ?? int.MaxValue;
        var values = _values;
        bool newValues = EnsureSize(ref values, count, cap, keepOldOnResize);
        var indices = _indices;
        bool newIndices = false;
        if (count < newLogicalLength || requireIndicesOnDense)
            newIndices = EnsureSize(ref indices, count, cap, keepOldOnResize);
        return new VBufferEditor<T>(newLogicalLength, count, values, indices, requireIndicesOnDense, newValues, newIndices);
    }

    private static bool EnsureSize<TItem>(ref TItem[]? array, int min, int cap, bool keepOld)
    {
        if (array != null && array.Length >= min)
            return false;
        // Grow geometrically (as ML.NET does) so that reused buffers settle quickly.
        int size = Math.Max(min, Math.Min(cap, Math.Max(4, (int)Math.Min(int.MaxValue, 2L * (array?.Length ?? 0)))));
        if (keepOld && array != null)
            Array.Resize(ref array, size);
        else
            array = new TItem[size];
        return true;
    }

    private static int LowerBound(ReadOnlySpan<int> sorted, int value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (sorted[mid] < value)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}
