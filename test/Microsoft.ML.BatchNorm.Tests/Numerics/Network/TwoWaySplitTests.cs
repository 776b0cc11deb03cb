using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

[TestClass]
public sealed class TwoWaySplitTests
{
    [TestMethod]
    public void EveryIndexIsProcessedExactlyOnceOverManyRuns()
    {
        var counts = new int[10_000];
        var split = new TwoWaySplit((start, end) =>
        {
            for (int i = start; i < end; i++) Interlocked.Increment(ref counts[i]);
        });
        for (int run = 0; run < 200; run++)
        {
            int length = 1 + run * 37 % counts.Length;
            split.Run(length, minParallelLength: 2, alignment: 16);
            for (int i = 0; i < counts.Length; i++)
            {
                Assert.AreEqual(i < length ? 1 : 0, counts[i], $"run {run}, index {i}");
                counts[i] = 0;
            }
        }
    }

    [TestMethod]
    public void SplitsAtAnAlignedMiddleAndRunsSmallRangesInline()
    {
        var ranges = new List<(int, int)>();
        var split = new TwoWaySplit((start, end) => { lock (ranges) ranges.Add((start, end)); });
        split.Run(1000, minParallelLength: 2000, alignment: 64);
        CollectionAssert.AreEqual(new[] { (0, 1000) }, ranges.ToArray());
        ranges.Clear();
        split.Run(1000, minParallelLength: 10, alignment: 64);
        if (Environment.ProcessorCount > 1)
            CollectionAssert.AreEquivalent(new[] { (0, 448), (448, 1000) }, ranges.ToArray());
    }

    [TestMethod]
    public void ExceptionsOfEitherHalfReachTheCaller()
    {
        var upper = new TwoWaySplit((start, end) => { if (start > 0) throw new InvalidOperationException("upper"); });
        Assert.AreEqual("upper", Assert.ThrowsExactly<InvalidOperationException>(() => upper.Run(100, 2, 1)).Message);
        var lower = new TwoWaySplit((start, end) => { if (start == 0) throw new InvalidOperationException("lower"); });
        Assert.AreEqual("lower", Assert.ThrowsExactly<InvalidOperationException>(() => lower.Run(100, 2, 1)).Message);
        // Still usable afterwards.
        int sum = 0;
        var ok = new TwoWaySplit((start, end) => Interlocked.Add(ref sum, end - start));
        ok.Run(100, 2, 1);
        Assert.AreEqual(100, sum);
    }
}
