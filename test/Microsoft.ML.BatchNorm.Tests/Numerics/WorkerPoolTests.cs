using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

[TestClass]
public sealed class WorkerPoolTests
{
    private sealed class CountingJob(int parts) : ParallelJob
    {
        public int[] Runs { get; } = new int[parts];
        public HashSet<int> Threads { get; } = [];
        public int ThrowOnPart { get; init; } = -1;
        public Action<int>? Inner { get; init; }

        public override void RunPart(int part)
        {
            Interlocked.Increment(ref Runs[part]);
            lock (Threads) Threads.Add(Environment.CurrentManagedThreadId);
            Inner?.Invoke(part);
            if (part == ThrowOnPart) throw new InvalidOperationException($"part {part} failed");
        }
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(7)]
    [DataRow(1000)]
    public void EveryPartRunsExactlyOnce(int parts)
    {
        // Many jobs in a row: a worker waking late must not run a part of a newer job twice or skip one.
        for (int repeat = 0; repeat < 200; repeat++)
        {
            var job = new CountingJob(parts);
            WorkerPool.Shared.Run(job, parts);
            for (int p = 0; p < parts; p++) Assert.AreEqual(1, job.Runs[p], $"job {repeat}, part {p} of {parts}");
        }
    }

    [TestMethod]
    public void EveryPartHasFinishedWhenRunReturnsUnderPreemption()
    {
        if (WorkerPool.Shared.WorkerCount == 0) Assert.Inconclusive("One core: no workers.");
        // Jobs alternate between few and many parts while busy threads preempt the workers: a worker that read the
        // old job's claim counter and is descheduled must not claim a part of the next job (it would run that part
        // twice and let Run return before the other copy has finished).
        using var stop = new CancellationTokenSource();
        Task[] hogs = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested) Thread.SpinWait(1000);
        }, TaskCreationOptions.LongRunning)).ToArray();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(1.5);
            for (int repeat = 0; DateTime.UtcNow < deadline; repeat++)
            {
                int parts = repeat % 2 == 0 ? 2 : 48;
                var job = new FinishingJob(parts);
                WorkerPool.Shared.Run(job, parts);
                for (int p = 0; p < parts; p++)
                {
                    Assert.AreEqual(1, Volatile.Read(ref job.Started[p]), $"job {repeat}, part {p} of {parts} started");
                    Assert.AreEqual(1, Volatile.Read(ref job.Finished[p]), $"job {repeat}, part {p} of {parts} finished");
                }
            }
        }
        finally
        {
            stop.Cancel();
            Task.WaitAll(hogs);
        }
    }

    private sealed class FinishingJob(int parts) : ParallelJob
    {
        public readonly int[] Started = new int[parts];
        public readonly int[] Finished = new int[parts];

        public override void RunPart(int part)
        {
            Interlocked.Increment(ref Started[part]);
            Thread.SpinWait(200);
            Interlocked.Increment(ref Finished[part]);
        }
    }

    [TestMethod]
    public void PartsRunOnMoreThanOneThreadWhenThereAreWorkers()
    {
        if (WorkerPool.Shared.WorkerCount == 0) Assert.Inconclusive("One core: no workers.");
        // Each part waits a little, so that the worker takes some of them.
        var job = new CountingJob(64) { Inner = _ => Thread.Sleep(1) };
        WorkerPool.Shared.Run(job, 64);
        Assert.IsTrue(job.Threads.Count >= 2, $"threads used: {job.Threads.Count}");
    }

    [TestMethod]
    public void FirstExceptionIsRethrownAfterAllPartsEnded()
    {
        var job = new CountingJob(50) { ThrowOnPart = 17 };
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => WorkerPool.Shared.Run(job, 50));
        Assert.AreEqual("part 17 failed", e.Message);
        Assert.IsTrue(job.Runs.All(r => r == 1), "every part ran once despite the failure");
        // The pool is usable afterwards.
        var next = new CountingJob(9);
        WorkerPool.Shared.Run(next, 9);
        Assert.IsTrue(next.Runs.All(r => r == 1));
    }

    [TestMethod]
    public void NestedAndConcurrentCallsRunInline()
    {
        // A part that starts a job of its own, and several threads calling at once: none may deadlock or lose a part.
        var inner = Enumerable.Range(0, 8).Select(_ => new CountingJob(5)).ToArray();
        var outer = new CountingJob(8) { Inner = p => WorkerPool.Shared.Run(inner[p], 5) };
        var concurrent = Enumerable.Range(0, 4).Select(_ => new CountingJob(300)).ToArray();
        Task[] tasks = concurrent.Select(j => Task.Run(() => { for (int i = 0; i < 20; i++) WorkerPool.Shared.Run(j, 15); })).ToArray();
        WorkerPool.Shared.Run(outer, 8);
        Assert.IsTrue(Task.WaitAll(tasks, TimeSpan.FromSeconds(30)), "concurrent callers finished");
        Assert.IsTrue(outer.Runs.All(r => r == 1));
        foreach (CountingJob j in inner) Assert.IsTrue(j.Runs.All(r => r == 1));
        foreach (CountingJob j in concurrent)
            for (int p = 0; p < 300; p++) Assert.AreEqual(p < 15 ? 20 : 0, j.Runs[p], $"part {p}");
    }

    [TestMethod]
    public void ArgumentsAreChecked()
    {
        Assert.ThrowsExactly<ArgumentNullException>(() => WorkerPool.Shared.Run(null!, 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => WorkerPool.Shared.Run(new CountingJob(1), -1));
    }
}
