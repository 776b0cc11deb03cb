using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>Checks that code allocates nothing on the calling thread once warmed up.</summary>
internal static class AllocationAssert
{
    /// <summary>
    /// Runs <paramref name="call"/> a few times to warm up, then in rounds of <paramref name="callsPerRound"/> calls
    /// until a round allocates nothing (at most 6 rounds) and asserts the last one did not. Rounds, not one
    /// measurement: the runtime itself may allocate on this thread while the JIT tiers methods up, whereas an
    /// allocation per call shows in every round.
    /// </summary>
    public static void NothingAfterWarmUp(Action call, int callsPerRound, string what)
    {
        for (int i = 0; i < 3; i++) call();
        var rounds = new List<long>();
        for (int round = 0; round < 6 && (rounds.Count == 0 || rounds[^1] != 0); round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < callsPerRound; i++) call();
            rounds.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.AreEqual(0L, rounds[^1], $"bytes allocated per round of {callsPerRound} {what}: {string.Join(", ", rounds)}");
    }
}
