using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>Reads a dense or sparse float vector as dense values (a sparse vector's missing slots are zeros).</summary>
internal static class DenseValues
{
    /// <summary>Writes all <c>source.Length</c> values into <paramref name="destination"/>.</summary>
    public static void CopyTo(in VBuffer<float> source, Span<float> destination)
    {
        if (source.IsDense)
        {
            source.GetValues().CopyTo(destination);
            return;
        }
        destination[..source.Length].Clear();
        var values = source.GetValues();
        var indices = source.GetIndices();
        for (int k = 0; k < values.Length; k++)
            destination[indices[k]] = values[k];
    }

    /// <summary>The values of a dense vector as they are, or a sparse one's expanded into <paramref name="scratch"/>.</summary>
    public static ReadOnlySpan<float> Of(in VBuffer<float> source, float[] scratch)
    {
        if (source.IsDense)
            return source.GetValues();
        CopyTo(source, scratch);
        return scratch.AsSpan(0, source.Length);
    }
}
