using System.Numerics.Tensors;
using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Score and PredictedLabel of <see cref="MultilayerPerceptronPredictionTransformer"/> for a tile of rows at once:
/// the features of up to <see cref="MaxRows"/> rows are gathered into one matrix and go through the network as
/// matrix products (split over the cores), instead of one matrix-vector product per row. A tile of one serves
/// single rows; both give the same bits (see <c>Sgemm.MultiplyRow</c>).
/// </summary>
/// <remarks>
/// A row with a NaN feature is scored as ML.NET's multiclass trainers score it (see the trainer's remarks): every
/// class probability NaN, and the PredictedLabel taken from the Score as ML.NET's scorer takes it, the arg-max ignoring
/// NaN, which for such a row is key 0, the missing key. The row is not put through the network (its slot of the tile
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

    private readonly MultilayerPerceptronPredictionTransformer _transformer;
    private readonly DataViewRow _input;
    private readonly ValueGetter<VBuffer<float>> _features;
    private readonly MlpInference _inference;
    private readonly int _inputSize, _classes;
    private readonly float[] _tile, _probabilities;
    private readonly int[] _badLengths;   // -1, or the wrong length a slot's row had
    private readonly bool[] _missing;     // the slot's row has a NaN feature
    private readonly long[] _badPositions;
    private VBuffer<float> _buffer;

    /// <param name="transformer">The model.</param>
    /// <param name="input">The row or cursor the features are read from.</param>
    /// <param name="featureIndex">The feature column's index in the input schema.</param>
    /// <param name="maxRows">Slots per tile (&gt;= 1).</param>
    public MultilayerPerceptronTileScorer(MultilayerPerceptronPredictionTransformer transformer, DataViewRow input, int featureIndex, int maxRows)
    {
        _maxRows = maxRows;
        _transformer = transformer;
        _input = input;
        _features = input.GetGetter<VBuffer<float>>(input.Schema[featureIndex]);
        _inputSize = transformer.Model.InputSize;
        _classes = transformer.Model.ClassCount;
        _inference = transformer.Model.Network.CreateInference(maxRows);
        _tile = new float[maxRows * _inputSize];
        _probabilities = new float[maxRows * _classes];
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
                // A missing value: scored as zeros, served as NaN probabilities (see Score).
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
        _inference.PredictProbabilities(_tile.AsSpan(0, rows * _inputSize), rows, _probabilities);
        for (int slot = 0; slot < rows; slot++)
        {
            if (_missing[slot])
                _probabilities.AsSpan(slot * _classes, _classes).Fill(float.NaN);
        }
    }

    public override Delegate?[] CreateGetters(bool[] active, Func<int> currentSlot)
    {
        ReadOnlySpan<float> Probabilities(int slot)
        {
            if (_badLengths[slot] >= 0)
                throw new InvalidOperationException($"Feature column '{_transformer.FeatureColumnName}' row {_badPositions[slot]} " +
                    $"has {_badLengths[slot]} values; the model expects {_inputSize}.");
            return _probabilities.AsSpan(slot * _classes, _classes);
        }

        return
        [
            active[0] ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                ReadOnlySpan<float> p = Probabilities(currentSlot());
                var editor = VBufferEditor.Create(ref value, _classes);
                p.CopyTo(editor.Values);
                value = editor.Commit();
            }) : null,
            active[1] ? LabelKeys.MakeKeyGetter(_transformer.LabelType.RawType,
                () => PredictedKey(Probabilities(currentSlot()))) : null,
        ];
    }

    /// <summary>
    /// The predicted label's key as ML.NET's multiclass scorer gives it (<c>VectorUtils.ArgMax</c>, then index + 1):
    /// the first largest probability, NaN ignored; 0, the missing key, when every probability is NaN.
    /// </summary>
    internal static uint PredictedKey(ReadOnlySpan<float> probabilities)
    {
        int best = -1;
        for (int k = 0; k < probabilities.Length; k++)
        {
            float p = probabilities[k];
            if (!float.IsNaN(p) && (best < 0 || p > probabilities[best]))
                best = k;
        }
        return (uint)(best + 1);
    }
}
