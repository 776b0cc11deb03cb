using System.Numerics.Tensors;
using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// The output columns of a MultilayerPerceptron prediction transformer (any task) for a tile of rows at once:
/// the features of up to <see cref="MaxRows"/> rows are gathered into one matrix and go through the network as
/// matrix products (split over the cores), instead of one matrix-vector product per row. A tile of one serves
/// single rows; both give the same bits (see <c>Sgemm.MultiplyRow</c>). The transformer's <see cref="PredictionHead"/>
/// turns the raw outputs into the columns' values (softmax, sigmoid, label scaling) and makes their getters.
/// </summary>
/// <remarks>
/// A row with a NaN feature is scored as ML.NET's linear trainers score it (see the trainers' remarks): its outputs
/// are NaN (every class probability; the binary Score and Probability; the regression Score), and its PredictedLabel
/// is taken from them as ML.NET's scorers take it: key 0 (multiclass), false (binary). The row is not put through the network (its slot of the tile
/// holds zeros), so its NaN never enters the tile's matrix products: the other rows keep exactly the bits they get
/// without it. Every other value, infinities included, goes through the network like any value.
/// </remarks>
internal sealed class MultilayerPerceptronTileScorer : TileScorer
{
    /// <summary>
    /// Rows per tile of a cursor: 4 of MlpInference's 128-row tiles, enough to keep 2 cores busy, small enough to
    /// stay in the L2 caches.
    /// </summary>
    public const int CursorTileRows = 512;

    private readonly int _maxRows;

    private readonly MultilayerPerceptronPredictionTransformerBase _transformer;
    private readonly DataViewRow _input;
    private readonly ValueGetter<VBuffer<float>> _features;
    private readonly MlpInference _inference;
    private readonly int _inputSize, _classes;
    private readonly float[] _tile, _outputs;
    private readonly int[] _badLengths;   // -1, or the wrong length a slot's row had
    private readonly bool[] _missing;     // the slot's row has a NaN feature
    private readonly long[] _badPositions;
    private VBuffer<float> _buffer;

    /// <param name="transformer">The model.</param>
    /// <param name="input">The row or cursor the features are read from.</param>
    /// <param name="featureIndex">The feature column's index in the input schema.</param>
    /// <param name="maxRows">Slots per tile (&gt;= 1).</param>
    public MultilayerPerceptronTileScorer(MultilayerPerceptronPredictionTransformerBase transformer, DataViewRow input, int featureIndex, int maxRows)
    {
        _maxRows = maxRows;
        _transformer = transformer;
        _input = input;
        _features = input.GetGetter<VBuffer<float>>(input.Schema[featureIndex]);
        _inputSize = transformer.Model.InputSize;
        _classes = transformer.Model.ClassCount;
        _inference = transformer.Model.Network.CreateInference(maxRows);
        _tile = new float[maxRows * _inputSize];
        _outputs = new float[maxRows * _classes];
        _badLengths = new int[maxRows];
        _badPositions = new long[maxRows];
        _missing = new bool[maxRows];
    }

    public override int MaxRows => _maxRows;

    public override void Collect(int slot)
    {
        _features(ref _buffer);
        Span<float> row = _tile.AsSpan(slot * _inputSize, _inputSize);
        _missing[slot] = false;
        if (_buffer.Length == _inputSize)
        {
            DenseValues.CopyTo(_buffer, row);
            _badLengths[slot] = -1;
            if (TensorPrimitives.IsNaNAny<float>(row))
            {
                // A missing value: scored as zeros, served as NaN outputs (see Score).
                row.Clear();
                _missing[slot] = true;
            }
        }
        else
        {
            // Scored as zeros but never served: the slot's getters throw, naming the row.
            row.Clear();
            _badLengths[slot] = _buffer.Length;
            _badPositions[slot] = _input.Position;
        }
    }

    public override void Score(int rows)
    {
        _inference.ComputeLogits(_tile.AsSpan(0, rows * _inputSize), rows, _outputs);
        _transformer.Head.Finish(_outputs, rows, _classes, _missing);
    }

    public override Delegate?[] CreateGetters(bool[] active, Func<int> currentSlot)
    {
        ReadOnlySpan<float> Outputs()
        {
            int slot = currentSlot();
            if (_badLengths[slot] >= 0)
                throw new InvalidOperationException($"Feature column '{_transformer.FeatureColumnName}' row {_badPositions[slot]} " +
                    $"has {_badLengths[slot]} values; the model expects {_inputSize}.");
            return _outputs.AsSpan(slot * _classes, _classes);
        }

        return _transformer.Head.CreateGetters(active, Outputs);
    }
}
