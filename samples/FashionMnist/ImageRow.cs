namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>One image as ML.NET reads it: the scaled pixels and the class index.</summary>
/// <remarks>
/// The feature vector's size (64 or 784) is only known at run time, so it is declared through a
/// <see cref="Microsoft.ML.Data.SchemaDefinition"/> (see <see cref="SampleData.CreateSchemaDefinition"/>) rather
/// than a <c>[VectorType(n)]</c> attribute.
/// </remarks>
public sealed class ImageRow
{
    /// <summary>Pixels scaled to [0, 1], row-major.</summary>
    public float[] Features { get; set; } = [];

    /// <summary>Class index (0..9).</summary>
    public uint Label { get; set; }
}
