using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.BatchNorm.Onnx;
using Microsoft.ML.BatchNorm.Persistence;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// What plain <c>mlContext.Model.Save</c> writes for a <see cref="BatchNormalizingTransformer"/>. Third-party
/// transformers cannot write model entries, so the save is handed to built-in transformers computing the same map:
/// <list type="bullet">
/// <item>ML.NET's own normalizers (<see cref="AffineNormalizerChain"/>) when they hold every column exactly: any
/// spread, any gamma &gt;= 0, and any gamma &lt;= 0 through a negation; core package only.</item>
/// <item>Otherwise (a vector column with gammas of both signs, or constants beyond float) those columns go into an
/// ONNX model run by ML.NET's OnnxTransformer (<see cref="EmbeddedBatchNormalizeGraph"/>, computed in double), which
/// needs the companion package BatchNormExtensions.ML.Onnx; the other columns stay with the normalizers. Without the
/// companion, <see cref="NotSupportedException"/> names it before anything of this transform is written.</item>
/// </list>
/// Either form is within <see cref="AffineStepChain.Roundings"/> u (|beta| + |a| |x - mean|) of the float64 value,
/// u = 2^-24, as the transform itself is.
/// </summary>
internal static class BatchNormalizePlainSave
{
    private const string TemporaryPrefix = "BatchNormExtensions.BatchNormalize.";

    public static void Save(ModelSaveContext ctx, IReadOnlyList<BatchNormalizingTransformer.ColumnParameters> columns)
    {
        var needsOnnx = new bool[columns.Count];
        var reasons = new List<string>();
        for (int c = 0; c < columns.Count; c++)
        {
            if (AffineNormalizerChain.CanHold(columns[c], out string why))
                continue;
            if (!columns[c].IsVector)
                throw new NotSupportedException(
                    $"Plain mlContext.Model.Save cannot hold BatchNormalize column '{columns[c].OutputColumnName}' exactly ({why}). " +
                    "Save it with mlContext.Model.SaveWithNetworks(model, inputSchema, filePath) and load it with " +
                    "mlContext.Model.LoadWithNetworks(filePath, out inputSchema). Nothing was written by this transform.");
            needsOnnx[c] = true;
            reasons.Add(why);
        }
        if (reasons.Count == 0)
        {
            ((ICanSaveModel)new TransformerChain<ITransformer>(After(columns, needsOnnx))).Save(ctx);
            return;
        }
        var saver = CompanionPackage.RequireSaver(
            $"a BatchNormalize transform that ML.NET's own normalizers cannot hold exactly ({string.Join("; ", reasons)})");
        var onnxColumns = Enumerable.Range(0, columns.Count).Where(c => needsOnnx[c]).Select(c => columns[c]).ToArray();
        var onnxOutputs = Enumerable.Range(0, columns.Count).Where(c => needsOnnx[c]).Select(Temporary).ToArray();
        saver.SaveOnnxStep(ctx, new OnnxStepSaveRequest
        {
            OnnxModel = EmbeddedBatchNormalizeGraph.Build(onnxColumns, onnxOutputs),
            Inputs = onnxColumns.Select(c => (c.InputColumnName, c.SlotCount)).DistinctBy(c => c.InputColumnName).ToArray(),
            Outputs = onnxOutputs,
            After = After(columns, needsOnnx),
        });
    }

    private static string Temporary(int column) => TemporaryPrefix + column;

    // Every column is computed into a temporary column first (by the ONNX step before these, or by normalizers here),
    // then copied to its output name and the temporary columns dropped: a column overwriting another one's input does
    // not change what that one reads, and the loaded schema has the same columns, hidden ones included, as the
    // transform's own. The ONNX outputs carry no IsNormalized annotation: an identity min-max step (offset 0, scale 1)
    // adds it.
    private static ITransformer[] After(IReadOnlyList<BatchNormalizingTransformer.ColumnParameters> columns, bool[] onnx)
    {
        var ml = ShapeSource.MLContext;
        var identity = new AffineStepChain.StepRows(0, 1);
        var after = new List<ITransformer>();
        var onnxColumns = Enumerable.Range(0, columns.Count).Where(c => onnx[c]).ToArray();
        var builtInColumns = Enumerable.Range(0, columns.Count).Where(c => !onnx[c]).ToArray();
        if (onnxColumns.Length > 0)
            after.Add(ml.Transforms.NormalizeMinMax(onnxColumns.Select(c => new InputOutputColumnPair(Temporary(c))).ToArray(), fixZero: false)
                .Fit(Synthetic(onnxColumns.Select(c => (Temporary(c), columns[c].Type)).ToArray(), identity)));
        if (builtInColumns.Length > 0)
        {
            var renamed = builtInColumns.Select(c => columns[c].WithOutputColumnName(Temporary(c))).ToArray();
            after.Add(AffineNormalizerChain.TryCreate(renamed, out string why)
                ?? throw new InvalidOperationException($"ML.NET's normalizers failed for columns they held one by one: {why}"));
        }
        var temporary = Enumerable.Range(0, columns.Count).Select(c => (Temporary(c), columns[c].Type)).ToArray();
        after.Add(ShapeSource.Copies(Enumerable.Range(0, columns.Count)
            .Select(c => new InputOutputColumnPair(columns[c].OutputColumnName, Temporary(c))).ToArray()).Fit(Synthetic(temporary, identity)));
        after.Add(ml.Transforms.DropColumns(temporary.Select(t => t.Item1).ToArray()).Fit(Synthetic(temporary, identity)));
        return after.ToArray();
    }

    private static InMemoryDataView Synthetic((string Name, DataViewType Type)[] schema, AffineStepChain.StepRows rows)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var (name, type) in schema)
            builder.AddColumn(name, type);
        int Size(DataViewType type) => type is VectorDataViewType vector ? vector.Size : 1;
        return new InMemoryDataView(builder.ToSchema(),
        [
            schema.Select(c => Enumerable.Repeat(rows.Low, Size(c.Type)).ToArray()).ToArray(),
            schema.Select(c => Enumerable.Repeat(rows.High, Size(c.Type)).ToArray()).ToArray(),
        ]);
    }
}
