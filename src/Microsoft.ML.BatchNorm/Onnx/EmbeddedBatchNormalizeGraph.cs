using Microsoft.ML.Transforms;

namespace Microsoft.ML.BatchNorm.Onnx;

/// <summary>
/// The ONNX model that holds BatchNormalize columns inside an ML.NET model (plain <c>Model.Save</c> through the
/// companion package's OnnxTransformer) when ML.NET's normalizers cannot (see <see cref="AffineNormalizerChain"/>):
/// per column, <c>y = (float)(((double)x - mean) * a + beta)</c> with the mean and a = gamma / sqrt(var + epsilon) in
/// double, so each output is the float64 value rounded once (u |y|, inside the transform's bound). ML.NET's
/// OnnxTransformer feeds one row at a time: each input is declared <c>[1, D]</c> and each result reshaped to <c>[D]</c>,
/// which it types as <c>Vector&lt;Single, D&gt;</c>. A column whose slot names were seen at Fit gets them back through a
/// node named <c>mlnet.&lt;output&gt;.SlotNames</c> (a LabelEncoder whose <c>keys_strings</c> OnnxTransformer reads).
/// </summary>
internal static class EmbeddedBatchNormalizeGraph
{
    /// <summary>The ONNX model computing <paramref name="columns"/> (vectors), column i into <paramref name="outputNames"/>[i].</summary>
    public static byte[] Build(IReadOnlyList<BatchNormalizingTransformer.ColumnParameters> columns, IReadOnlyList<string> outputNames)
    {
        var builder = new OnnxModelBuilder();
        var asDouble = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            if (asDouble.ContainsKey(column.InputColumnName))
                continue;
            builder.AddInput(column.InputColumnName, OnnxModelBuilder.Float, 1, column.SlotCount);
            asDouble[column.InputColumnName] = builder.AddNode("Cast", [column.InputColumnName], [$"{column.InputColumnName}.double"],
                OnnxModelBuilder.Attribute.Of("to", (long)OnnxModelBuilder.Double));
        }
        for (int c = 0; c < columns.Count; c++)
        {
            var column = columns[c];
            int d = column.SlotCount;
            string name = $"column{c}", output = outputNames[c];
            var a = new double[d];
            for (int j = 0; j < d; j++)
                a[j] = column.Gamma[j] / Math.Sqrt(column.Variance[j] + column.Epsilon);
            string centred = builder.AddNode("Sub", [asDouble[column.InputColumnName], builder.AddInitializer($"{name}.mean", column.Mean.AsSpan(), 1, d)], [$"{name}.centred"]);
            string scaled = builder.AddNode("Mul", [centred, builder.AddInitializer($"{name}.scale", a, 1, d)], [$"{name}.scaled"]);
            var beta = column.Beta.Select(b => (double)b).ToArray();
            string shifted = builder.AddNode("Add", [scaled, builder.AddInitializer($"{name}.beta", beta, 1, d)], [$"{name}.shifted"]);
            string single = builder.AddNode("Cast", [shifted], [$"{name}.float"], OnnxModelBuilder.Attribute.Of("to", (long)OnnxModelBuilder.Float));
            builder.AddNode("Reshape", [single, builder.AddInitializer($"{name}.shape", [(long)d], 1)], [output]);
            builder.AddOutput(output, OnnxModelBuilder.Float, d);
            if (column.SlotNames is { } slotNames)
            {
                // As ML.NET's own ONNX export writes slot names: a LabelEncoder named mlnet.<column>.SlotNames.
                string node = $"mlnet.{output}.SlotNames";
                string one = builder.AddInitializer($"{node}.input", ["one"], 1, 1);
                string unused = builder.AddNamedNode(node, OnnxModelBuilder.MlDomain, "LabelEncoder", [one], [$"{node}.output"],
                    OnnxModelBuilder.Attribute.Of("keys_strings", slotNames.ToArray()),
                    OnnxModelBuilder.Attribute.Of("values_int64s", Enumerable.Range(0, slotNames.Length).Select(i => (long)i).ToArray()));
                builder.AddOutput(unused, OnnxModelBuilder.Int64, 1, 1);
            }
        }
        return builder.Build("BatchNormalize", OnnxGraphs.ProducerName, OnnxGraphs.ProducerVersion,
            "BatchNormalize saved with plain mlContext.Model.Save: y = (float)(((double)x - mean) * gamma / sqrt(var + epsilon) + beta), one row per call.");
    }
}
