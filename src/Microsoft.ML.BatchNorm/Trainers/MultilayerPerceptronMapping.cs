using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// The per-row work of a MultilayerPerceptron prediction transformer (any task), bound to one input schema. Both paths
/// score through <see cref="MultilayerPerceptronTileScorer"/>: single rows (prediction engines, row-to-row mappers) as
/// tiles of one, cursors in tiles of up to <see cref="MultilayerPerceptronTileScorer.CursorTileRows"/> rows.
/// </summary>
internal sealed class MultilayerPerceptronMapping : AppendedColumnsMapping
{
    private readonly MultilayerPerceptronPredictionTransformerBase _transformer;
    private readonly int _featureIndex;

    public MultilayerPerceptronMapping(DataViewSchema inputSchema, MultilayerPerceptronPredictionTransformerBase transformer)
        : base(inputSchema, transformer.Head.Columns(inputSchema))
    {
        _transformer = transformer;
        _featureIndex = inputSchema[transformer.FeatureColumnName].Index;
    }

    public override IEnumerable<int> GetInputDependencies(int added) => [_featureIndex];

    public override TileScorer? CreateTileScorer(DataViewRow input, bool[] active) =>
        new MultilayerPerceptronTileScorer(_transformer, input, _featureIndex, MultilayerPerceptronTileScorer.CursorTileRows);

    public override Delegate?[] CreateGetters(DataViewRow input, bool[] active)
    {
        // With no output active the features column is not active either: nothing to read.
        if (!active.Contains(true))
            return new Delegate?[active.Length];
        // A single row is a tile of one, scored once per row position (the output columns share the pass).
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
