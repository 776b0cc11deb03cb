using System.Runtime.ExceptionServices;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// A fixed set of background threads (cores - 1) that run the parts of one <see cref="ParallelJob"/> at a time
/// together with the calling thread. Unlike <see cref="Parallel.For(int, int, Action{int})"/> it allocates nothing
/// per call, and its workers stay awake briefly between calls, so the many small products of a training step split
/// over the cores without per-step garbage or a thread-pool wake-up each time.
/// </summary>
/// <remarks>
/// One job runs at a time: a call made while another is running (from another thread, or from inside a part) runs
/// all its parts on the calling thread instead of waiting. Parts are claimed from a counter tagged with the job's
/// generation, and a new call closes the old generation before it writes its job, so a worker that wakes late can
/// never claim a part of a newer job.
/// </remarks>
internal sealed class WorkerPool
{
    // How long a worker spins for the next job before it blocks: a training step's products come a few
    // microseconds apart, while blocking and being woken costs tens of microseconds. Counted in SpinWait(20) calls
    // (.NET normalizes a SpinWait iteration to a few tens of nanoseconds: about 40 us in all), not read from a
    // clock: a virtual machine's clock can stall, and a worker that spins for milliseconds burns the CPU time the
    // caller needs (measured: a 5 ms spin made a B=32 epoch 2.4x slower on the 2-core VM).
    private const int SpinIterations = 64;

    // A claim counter's part field that no job reaches: the generation it belongs to has nothing left to claim.
    private const long Closed = int.MaxValue;

    private static readonly Lazy<WorkerPool> LazyShared = new(() => new WorkerPool(Environment.ProcessorCount - 1));

    private readonly object _gate = new();
    private ParallelJob? _job;
    private int _parts;
    private long _claims;         // generation << 32 | next part
    private int _unfinished;      // parts of the current job not yet completed
    private int _busy;            // 1 while a caller owns the pool
    private ExceptionDispatchInfo? _failure;

    private WorkerPool(int workers)
    {
        WorkerCount = Math.Max(0, workers);
        for (int i = 0; i < WorkerCount; i++)
        {
            var thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"Microsoft.ML.BatchNorm worker {i}" };
            thread.Start();
        }
    }

    /// <summary>The pool of the process: one worker per core beyond the first, started on first use.</summary>
    public static WorkerPool Shared => LazyShared.Value;

    /// <summary>Background threads (not counting the caller, which works too).</summary>
    public int WorkerCount { get; }

    /// <summary>
    /// Runs parts 0..<paramref name="parts"/>-1 of <paramref name="job"/> on the workers and the calling thread and
    /// returns when all have finished. An exception thrown by a part is rethrown here (the first one), after every
    /// part has ended.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parts"/> is negative.</exception>
    public void Run(ParallelJob job, int parts)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentOutOfRangeException.ThrowIfNegative(parts);
        if (parts <= 1 || WorkerCount == 0 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int part = 0; part < parts; part++) job.RunPart(part);
            return;
        }

        try
        {
            // Close the previous generation before touching the job's fields: a worker that read its claim counter
            // just before this call and is only now checking _parts must fail its claim, not take a part of the
            // new job under the old generation (that part would run twice and be counted twice).
            long previous = Volatile.Read(ref _claims) >> 32;
            Interlocked.Exchange(ref _claims, previous << 32 | Closed);
            _job = job;
            _parts = parts;
            _failure = null;
            Volatile.Write(ref _unfinished, parts);
            long generation = previous + 1;
            // Publishing the new generation with part 0 next releases the job to the spinning workers...
            Interlocked.Exchange(ref _claims, generation << 32);
            // ...and the pulse wakes the blocked ones (they re-check the generation under the lock).
            lock (_gate) Monitor.PulseAll(_gate);
            RunParts(generation);
            SpinWait spin = default;
            while (Volatile.Read(ref _unfinished) != 0) spin.SpinOnce(sleep1Threshold: -1);
            _job = null;
            _failure?.Throw();
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    // Claims and runs parts of job `generation` until none is left.
    private void RunParts(long generation)
    {
        while (true)
        {
            long claims = Volatile.Read(ref _claims);
            if (claims >> 32 != generation) return;
            int part = (int)(claims & 0xFFFF_FFFF);
            if (part >= Volatile.Read(ref _parts)) return;
            if (Interlocked.CompareExchange(ref _claims, claims + 1, claims) != claims) continue;
            // The claim succeeded for this generation, so _job is this generation's (written before publishing).
            try
            {
                _job!.RunPart(part);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }
            finally
            {
                Interlocked.Decrement(ref _unfinished);
            }
        }
    }

    private void WorkerLoop()
    {
        long seen = 0;
        while (true)
        {
            long generation = WaitForJob(seen);
            seen = generation;
            RunParts(generation);
        }
    }

    // Spins for a while for a generation newer than `seen`, then blocks until one is published.
    private long WaitForJob(long seen)
    {
        long generation;
        for (int spin = 0; spin < SpinIterations; spin++)
        {
            if ((generation = Volatile.Read(ref _claims) >> 32) != seen) return generation;
            Thread.SpinWait(20);
        }
        lock (_gate)
        {
            while ((generation = Volatile.Read(ref _claims) >> 32) == seen) Monitor.Wait(_gate);
        }
        return generation;
    }
}
