using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>The finished outputs (after <see cref="PredictionHead.Finish"/>) of the row a getter is reading.</summary>
internal delegate ReadOnlySpan<float> CurrentOutputs();

/// <summary>
/// What a MultilayerPerceptron prediction transformer makes of the network's raw outputs: its output columns (names,
/// types, annotations, like the ML.NET built-in trainers of its task), the per-row finishing of the raw outputs
/// (softmax, label scaling) and the columns' getters. The tile scorer and the prediction transformer are shared by
/// the three tasks; only the head differs.
/// </summary>
internal abstract class PredictionHead
{
    /// <summary>The output columns added to <paramref name="inputSchema"/>.</summary>
    public abstract DataViewSchema.DetachedColumn[] Columns(DataViewSchema inputSchema);

    /// <summary>
    /// Turns the raw outputs of <paramref name="rows"/> rows (rows x the network's output size) into the values the
    /// getters serve, in place. A row with <paramref name="missing"/> set (a NaN feature; its raw outputs are those
    /// of a row of zeros) gets NaN outputs.
    /// </summary>
    public abstract void Finish(Span<float> outputs, int rows, int outputSize, ReadOnlySpan<bool> missing);

    /// <summary>Getters of the columns where <paramref name="active"/> is true (null elsewhere), in <see cref="Columns"/>' order.</summary>
    public abstract Delegate?[] CreateGetters(bool[] active, CurrentOutputs current);

    /// <summary>Fills the outputs of the rows marked missing with NaN.</summary>
    protected static void FillMissing(Span<float> outputs, int rows, int outputSize, ReadOnlySpan<bool> missing)
    {
        for (int row = 0; row < rows; row++)
        {
            if (missing[row])
                outputs.Slice(row * outputSize, outputSize).Fill(float.NaN);
        }
    }
}
