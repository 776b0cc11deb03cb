using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// The per-row work of <see cref="MultilayerPerceptronPredictionTransformer"/>, bound to one input schema. Both paths
/// score through <see cref="MultilayerPerceptronTileScorer"/>: single rows (prediction engines, row-to-row mappers) as
/// tiles of one, cursors in tiles of up to <see cref="MultilayerPerceptronTileScorer.CursorTileRows"/> rows.
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
        new MultilayerPerceptronTileScorer(_transformer, input, _featureIndex, MultilayerPerceptronTileScorer.CursorTileRows);

    public override Delegate?[] CreateGetters(DataViewRow input, bool[] active)
    {
        // With neither output active the features column is not active either: nothing to read.
        if (!active[0] && !active[1])
            return [null, null];
        // A single row is a tile of one, scored once per row position (Score and PredictedLabel share the pass).
        var scorer = new MultilayerPerceptronTileScorer(_transformer, input, _featureIndex, maxRows: 1);
        long scoredPosition = -1;
        int CurrentRow()
        {
            if (scoredPosition != input.Position)
            {
                scorer.Collect(0);
                scorer.Score(1);
                scoredPosition = input.Position;
            }
            return 0;
        }
        return scorer.CreateGetters(active, CurrentRow);
    }
}
