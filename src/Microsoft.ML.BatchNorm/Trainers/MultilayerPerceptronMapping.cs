using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// The per-row work of <see cref="MultilayerPerceptronPredictionTransformer"/>, bound to one input schema: single rows
/// (prediction engines, row-to-row mappers) here; cursors score tiles of rows through
/// <see cref="MultilayerPerceptronTileScorer"/>.
/// </summary>
internal sealed class MultilayerPerceptronMapping : AppendedColumnsMapping
{
    private readonly MultilayerPerceptronPredictionTransformer _transformer;
    private readonly int _featureIndex;

    public MultilayerPerceptronMapping(DataViewSchema inputSchema, MultilayerPerceptronPredictionTransformer transformer)
        : base(inputSchema, OutputColumns(transformer))
    {
        _transformer = transformer;
        _featureIndex = inputSchema[transformer.FeatureColumnName].Index;
    }

    private static DataViewSchema.DetachedColumn[] OutputColumns(MultilayerPerceptronPredictionTransformer transformer) =>
    [
        new(StandardColumnNames.Score, new VectorDataViewType(NumberDataViewType.Single, transformer.Model.ClassCount)),
        new(StandardColumnNames.PredictedLabel, transformer.LabelType, transformer.LabelKeyValues.Annotations),
    ];

    public override IEnumerable<int> GetInputDependencies(int added) => [_featureIndex];

    public override TileScorer? CreateTileScorer(DataViewRow input, bool[] active) =>
        new MultilayerPerceptronTileScorer(_transformer, input, _featureIndex);

    /// <summary>The error for a feature vector of the wrong length.</summary>
    internal static InvalidOperationException WrongLength(string column, long position, int length, int expected) =>
        new($"Feature column '{column}' row {position} has {length} values; the model expects {expected}.");

    /// <summary>The predicted label's key (1-based) for one row's class probabilities: the first largest.</summary>
    internal static uint PredictedKey(ReadOnlySpan<float> probabilities)
    {
        int best = 0;
        for (int k = 1; k < probabilities.Length; k++)
        {
            if (probabilities[k] > probabilities[best])
                best = k;
        }
        return (uint)best + 1;
    }

    public override Delegate?[] CreateGetters(DataViewRow input, bool[] active)
    {
        // With neither output active the features column is not active either: nothing to read.
        if (!active[0] && !active[1])
            return [null, null];
        int inputSize = _transformer.Model.InputSize, classes = _transformer.Model.ClassCount;
        var features = input.GetGetter<VBuffer<float>>(InputSchema[_featureIndex]);
        var inference = _transformer.Model.Network.CreateInference(1);
        var dense = new float[inputSize];
        var probabilities = new float[classes];
        var buffer = default(VBuffer<float>);
        long scoredPosition = -1;
        string name = _transformer.FeatureColumnName;

        // Score and PredictedLabel share one forward pass per row.
        void Score()
        {
            if (scoredPosition == input.Position)
                return;
            features(ref buffer);
            if (buffer.Length != inputSize)
                throw WrongLength(name, input.Position, buffer.Length, inputSize);
            inference.PredictProbabilities(DenseValues.Of(buffer, dense), 1, probabilities);
            scoredPosition = input.Position;
        }

        uint Predicted()
        {
            Score();
            return PredictedKey(probabilities);
        }

        return
        [
            active[0] ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                Score();
                var editor = VBufferEditor.Create(ref value, classes);
                probabilities.CopyTo(editor.Values);
                value = editor.Commit();
            }) : null,
            active[1] ? LabelKeys.MakeKeyGetter(_transformer.LabelType.RawType, Predicted) : null,
        ];
    }
}
