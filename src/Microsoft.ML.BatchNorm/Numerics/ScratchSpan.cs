using System.Buffers;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Scratch memory of one kernel call: the caller's stack span when it holds <c>length</c> items, otherwise an array
/// rented from the shared pool and returned by <see cref="Dispose"/> (so large sizes neither overflow the stack nor
/// allocate). Use as <c>using var s = new ScratchSpan&lt;T&gt;(length &lt;= Limit ? stackalloc T[length] : default, length);</c>.
/// </summary>
internal ref struct ScratchSpan<T>
    where T : unmanaged
{
    private T[]? _rented;

    public ScratchSpan(Span<T> stack, int length)
    {
        if (length <= stack.Length)
        {
            _rented = null;
            Span = stack[..length];
        }
        else
        {
            _rented = ArrayPool<T>.Shared.Rent(length);
            Span = _rented.AsSpan(0, length);
        }
    }

    /// <summary>The <c>length</c> items of scratch.</summary>
    public Span<T> Span { get; }

    /// <summary>Returns a rented array to the pool.</summary>
    public void Dispose()
    {
        if (_rented is not null)
            ArrayPool<T>.Shared.Return(_rented);
        _rented = null;
    }
}
