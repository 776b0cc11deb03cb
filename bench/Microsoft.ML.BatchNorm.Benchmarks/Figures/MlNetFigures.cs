using System.Numerics.Tensors;
using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// The ML.NET-level figures' input: the 60000 x 784 Fashion-MNIST training set as an <see cref="IDataView"/> from
/// <c>mlContext.Data.LoadFromEnumerable</c> (column <c>Features</c>, a vector of 784 floats), and the estimators
/// compared: <c>BatchNormalize</c> and ML.NET's own <c>NormalizeMeanVariance</c> (fixZero: false, so that both
/// subtract the mean). Both write the column <see cref="OutputColumn"/>. Public ML.NET API only.
/// </summary>
public static class MlNetFigureData
{
    /// <summary>Name of the normalized column.</summary>
    public const string OutputColumn = "Normalized";

    /// <summary>The training set as a data view of a fresh context (seed 0).</summary>
    public static IDataView Load() => new MLContext(seed: 0).Data.LoadFromEnumerable(FashionMnistData.TrainRows);

    /// <summary><c>BatchNormalize(Normalized, Features)</c> with its defaults.</summary>
    public static IEstimator<ITransformer> BatchNormalize(MLContext mlContext) =>
        mlContext.Transforms.BatchNormalize(OutputColumn, nameof(FashionMnistRow.Features));

    /// <summary><c>NormalizeMeanVariance(Normalized, Features, fixZero: false)</c>.</summary>
    public static IEstimator<ITransformer> NormalizeMeanVariance(MLContext mlContext) =>
        mlContext.Transforms.NormalizeMeanVariance(OutputColumn, nameof(FashionMnistRow.Features), fixZero: false);

    /// <summary>The input's size: the bytes of its floats (rate in GB/s) and its rows.</summary>
    internal static (double Bytes, double Rows) InputSize => (60000.0 * FashionMnistData.FeatureCount * sizeof(float), 60000);
}

/// <summary>
/// <c>mlnet/..._fit</c>: one <c>Fit</c> of an estimator over the Fashion-MNIST training view (one pass over the
/// 60000 rows for either normalizer). Reported in seconds, rows/s and GB/s of input floats.
/// </summary>
/// <param name="name">The figure name.</param>
/// <param name="createEstimator">Makes the estimator (from <see cref="MlNetFigureData"/>).</param>
public sealed class MlNetFitFigure(string name, Func<MLContext, IEstimator<ITransformer>> createEstimator) : Figure
{
    private IDataView? _data;
    private IEstimator<ITransformer>? _estimator;
    private ITransformer? _last;   // kept so that the fitted result is observably used

    /// <inheritdoc/>
    public override string Name => name;

    /// <summary>The input floats read once.</summary>
    public override double Bytes => MlNetFigureData.InputSize.Bytes;

    /// <inheritdoc/>
    public override double Rows => MlNetFigureData.InputSize.Rows;

    /// <inheritdoc/>
    public override void Setup()
    {
        _data = MlNetFigureData.Load();
        _estimator = createEstimator(new MLContext(seed: 0));
    }

    /// <inheritdoc/>
    public override void Run() => _last = _estimator!.Fit(_data!);

    /// <inheritdoc/>
    public override void Cleanup() => (_data, _estimator, _last) = (null, null, null);
}

/// <summary>
/// <c>mlnet/..._transform</c>: <c>Transform</c> of the fitted estimator over the Fashion-MNIST training view, consumed
/// by a cursor over the output column that reads every value of every row (their sum, so that no work is skipped).
/// Reported in seconds, rows/s and GB/s of input floats.
/// </summary>
/// <param name="name">The figure name.</param>
/// <param name="createEstimator">Makes the estimator (from <see cref="MlNetFigureData"/>); fitted in setup.</param>
public sealed class MlNetTransformFigure(string name, Func<MLContext, IEstimator<ITransformer>> createEstimator) : Figure
{
    private IDataView? _data;
    private ITransformer? _transformer;

    /// <inheritdoc/>
    public override string Name => name;

    /// <summary>The input floats read once.</summary>
    public override double Bytes => MlNetFigureData.InputSize.Bytes;

    /// <inheritdoc/>
    public override double Rows => MlNetFigureData.InputSize.Rows;

    /// <summary>Sum of every output value of the last run: proof the values were read (and finite).</summary>
    public double Checksum { get; private set; }

    /// <inheritdoc/>
    public override void Setup()
    {
        _data = MlNetFigureData.Load();
        _transformer = createEstimator(new MLContext(seed: 0)).Fit(_data);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The output holds NaN or an infinity.</exception>
    public override void Run()
    {
        IDataView output = _transformer!.Transform(_data!);
        DataViewSchema.Column column = output.Schema[MlNetFigureData.OutputColumn];
        using DataViewRowCursor cursor = output.GetRowCursor([column]);
        ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(column);
        var value = default(VBuffer<float>);
        double sum = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            sum += TensorPrimitives.Sum(value.GetValues());
        }
        if (!double.IsFinite(sum))
            throw new InvalidOperationException($"{name}: the normalized values sum to {sum}.");
        Checksum = sum;
    }

    /// <inheritdoc/>
    public override void Cleanup() => (_data, _transformer) = (null, null);
}
