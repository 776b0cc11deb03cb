namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Work split into independent parts for <see cref="WorkerPool.Run"/>. Callers keep and reuse their job objects (per
/// thread), so that running one allocates nothing.
/// </summary>
internal abstract class ParallelJob
{
    /// <summary>Runs part <paramref name="part"/> (0-based); parts may run at the same time on different threads.</summary>
    public abstract void RunPart(int part);
}
