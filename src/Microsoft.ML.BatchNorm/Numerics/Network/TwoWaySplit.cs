using System.Runtime.ExceptionServices;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Runs a range body over [0, length) as two halves, the upper one offered to a thread-pool thread, without allocating
/// per call (the object is its own preallocated work item). The calling thread runs the lower half and then, if no
/// pool thread has started the upper half yet, runs it itself, so a busy or starved pool only costs parallelism,
/// never progress. Each index is processed by exactly one thread, so element-wise bodies give identical results
/// whatever the timing. Not reentrant: one <see cref="Run"/> at a time per instance.
/// </summary>
internal sealed class TwoWaySplit : IThreadPoolWorkItem
{
    private readonly Action<int, int> _body;
    private volatile bool _upperDone = true;
    private int _start, _end;
    private int _claimed = 1;          // 0 while the upper half waits for a taker
    private Exception? _error;

    /// <summary>Wraps <paramref name="body"/>(start, end), called on disjoint sub-ranges.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    public TwoWaySplit(Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        _body = body;
    }

    /// <summary>
    /// Processes [0, length): in two halves on two threads when <paramref name="length"/> is at least
    /// <paramref name="minParallelLength"/> and there are several cores, otherwise in one call on this thread.
    /// The split point is a multiple of <paramref name="alignment"/>.
    /// </summary>
    public void Run(int length, int minParallelLength, int alignment)
    {
        if (length < minParallelLength || Environment.ProcessorCount < 2)
        {
            _body(0, length);
            return;
        }
        int middle = length / 2 / alignment * alignment;
        _start = middle;
        _end = length;
        _error = null;
        _upperDone = false;
        Volatile.Write(ref _claimed, 0);
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        try
        {
            _body(0, middle);
        }
        finally
        {
            if (Interlocked.Exchange(ref _claimed, 1) == 0) RunUpperHalf();
            // The other half takes about as long as ours: spin, then yield the core, never Sleep(1) (a millisecond
            // is longer than a whole training step). Unlike waiting on an event, this never allocates.
            SpinWait spin = default;
            while (!_upperDone) spin.SpinOnce(sleep1Threshold: -1);
        }
        if (_error is { } error) ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>Thread-pool entry: takes the upper half unless someone already did (a late, stale item does nothing).</summary>
    void IThreadPoolWorkItem.Execute()
    {
        if (Interlocked.Exchange(ref _claimed, 1) == 0) RunUpperHalf();
    }

    private void RunUpperHalf()
    {
        try
        {
            _body(_start, _end);
        }
        catch (Exception ex)
        {
            _error = ex;
        }
        finally
        {
            _upperDone = true;
        }
    }
}
