namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>
/// Computes a mapping's added columns for many rows at once (a model scores a tile of rows as one matrix product
/// instead of one vector product per row). <see cref="ReadAheadCursor"/> collects rows into slots while its input
/// cursor is on them, asks for one <see cref="Score"/> per tile, then serves the rows from the slots.
/// </summary>
internal abstract class TileScorer
{
    /// <summary>Slots per tile (the most rows one <see cref="Score"/> takes).</summary>
    public abstract int MaxRows { get; }

    /// <summary>
    /// Copies what scoring needs from the input's current row into <paramref name="slot"/>. Must not throw for bad
    /// values: remember them and throw from that slot's getters, so that the rows before a bad one are still served.
    /// </summary>
    public abstract void Collect(int slot);

    /// <summary>Scores slots 0..<paramref name="rows"/>-1.</summary>
    public abstract void Score(int rows);

    /// <summary>
    /// The getters of the added columns where <paramref name="active"/> is true (null elsewhere), reading the slot that
    /// <paramref name="currentSlot"/> returns (after it has made sure the tile is scored).
    /// </summary>
    public abstract Delegate?[] CreateGetters(bool[] active, Func<int> currentSlot);
}
