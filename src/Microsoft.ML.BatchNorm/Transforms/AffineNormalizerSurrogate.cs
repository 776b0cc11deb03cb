using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Builds ML.NET's own affine normalizer that computes the same map as a batch-normalization column, so that
/// <c>mlContext.Model.Save</c> can write it (third-party transformers cannot write model entries). A mean-variance
/// normalizer without zero fixing, fitted on the two rows <c>m + s</c> and <c>m - s</c>, learns offset m and scale
/// 1/s (population statistics); choosing <c>s = 1 / scale</c> and <c>m = mean - beta / scale</c> reproduces
/// <c>(x - mean) * scale + beta</c>.
/// </summary>
internal static class AffineNormalizerSurrogate
{
    // How far the float synthetic rows may move the scale (relative) and the offset (in units of s): 0.1% of one
    // standard unit. Typical columns are far inside it (digits: about 1e-7); a column whose spread is below about
    // 1e3 float steps of its mean cannot be held and is refused rather than saved imprecisely.
    private const double Tolerance = 1e-3;

    public static ITransformer Create(IReadOnlyList<BatchNormalizingTransformer.ColumnParameters> columns)
    {
        var builder = new DataViewSchema.Builder();
        var rows = new float[2][][] { new float[columns.Count][], new float[columns.Count][] };
        for (int c = 0; c < columns.Count; c++)
        {
            var column = columns[c];
            builder.AddColumn(column.InputColumnName, column.Type);
            rows[0][c] = new float[column.SlotCount];
            rows[1][c] = new float[column.SlotCount];
            for (int j = 0; j < column.SlotCount; j++)
            {
                double scale = column.Scale[j];
                if (!(scale > 0) || !double.IsFinite(scale))
                    throw new NotSupportedException(
                        $"Column '{column.OutputColumnName}' slot {j}: gamma is {column.Gamma[j]}, so the map's scale is {scale}. " +
                        "ML.NET's model format can only hold this transform as its affine normalizer, which needs a positive scale: " +
                        "saving needs gamma > 0 in every slot. Nothing was written by this transform.");
                double s = 1 / scale;
                double m = column.Mean[j] - column.Beta[j] / scale;
                float high = (float)(m + s), low = (float)(m - s);
                double gotS = ((double)high - low) / 2, gotM = ((double)high + low) / 2;
                if (!(Math.Abs(gotS - s) <= Tolerance * s) || !(Math.Abs(gotM - m) <= Tolerance * s))
                    throw new NotSupportedException(
                        $"Column '{column.OutputColumnName}' slot {j}: the map (offset {m}, scale {scale}) cannot be held by " +
                        "ML.NET's affine normalizer in float precision (the spread is too small next to the offset). Nothing was written by this transform.");
                rows[0][c][j] = high;
                rows[1][c][j] = low;
            }
        }
        var synthetic = new InMemoryDataView(builder.ToSchema(), rows);
        return ShapeSource.Normalizer(columns.Select(c => new InputOutputColumnPair(c.OutputColumnName, c.InputColumnName)).ToArray())
            .Fit(synthetic);
    }
}
