namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// The loss of an <see cref="MlpNetwork"/>'s output layer, chosen by <see cref="MlpLossKind"/>: classification losses
/// read integer labels, regression losses real targets (n x k, laid out like the outputs). A value type dispatching
/// with a switch, so a training step stays free of allocations and virtual calls.
/// </summary>
internal readonly struct MlpLoss
{
    /// <summary>A loss of the given kind; <paramref name="huberDelta"/> is used by <see cref="MlpLossKind.Huber"/> only.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Huber with a delta that is not finite and positive.</exception>
    public MlpLoss(MlpLossKind kind, float huberDelta = 1f)
    {
        if (kind == MlpLossKind.Huber && !(float.IsFinite(huberDelta) && huberDelta > 0f))
            throw new ArgumentOutOfRangeException(nameof(huberDelta), huberDelta, "The Huber delta must be finite and positive.");
        Kind = kind;
        HuberDelta = huberDelta;
    }

    /// <summary>The kind (the default value is softmax cross-entropy).</summary>
    public MlpLossKind Kind { get; }

    /// <summary>Huber's threshold delta.</summary>
    public float HuberDelta { get; }

    /// <summary>Whether the loss reads class labels (and counts correct rows) rather than real targets.</summary>
    public bool UsesLabels => Kind is MlpLossKind.SoftmaxCrossEntropy or MlpLossKind.SigmoidCrossEntropy;

    /// <summary>The number of classes labels may take for an output layer of <paramref name="outputSize"/> (0 for regression).</summary>
    public int LabelClassCount(int outputSize) => Kind switch
    {
        MlpLossKind.SoftmaxCrossEntropy => outputSize,
        MlpLossKind.SigmoidCrossEntropy => 2,
        _ => 0,
    };

    /// <summary>
    /// The loss of n rows of k outputs and the gradient of the MEAN loss with respect to the outputs (n x k).
    /// </summary>
    /// <param name="outputs">n x k outputs of the last layer.</param>
    /// <param name="labels">n class labels (classification), else ignored.</param>
    /// <param name="targets">n x k targets (regression), else ignored.</param>
    /// <param name="n">Rows.</param>
    /// <param name="k">Outputs per row (1 for the sigmoid cross-entropy).</param>
    /// <param name="gradient">Receives n x k values.</param>
    /// <param name="correct">Rows classified right (0 for regression).</param>
    /// <returns>The sum (not the mean) of the per-row losses.</returns>
    public double ForwardBackward(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets,
        int n, int k, Span<float> gradient, out int correct)
    {
        correct = 0;
        switch (Kind)
        {
            case MlpLossKind.SoftmaxCrossEntropy:
                return SoftmaxCrossEntropy.ForwardBackward(outputs, labels, n, k, gradient, out correct);
            case MlpLossKind.SigmoidCrossEntropy:
                return SigmoidCrossEntropy.ForwardBackward(outputs, labels, n, gradient, out correct);
            case MlpLossKind.SquaredError:
                return SquaredError.ForwardBackward(outputs, targets, n * k, n, gradient);
            default:
                return HuberLoss.ForwardBackward(outputs, targets, n * k, n, HuberDelta, gradient);
        }
    }

    /// <summary>The loss only (sum over the rows) and the rows classified right, as <see cref="ForwardBackward"/>.</summary>
    public double Loss(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, int n, int k,
        out int correct)
    {
        correct = 0;
        return Kind switch
        {
            MlpLossKind.SoftmaxCrossEntropy => SoftmaxCrossEntropy.Loss(outputs, labels, n, k, out correct),
            MlpLossKind.SigmoidCrossEntropy => SigmoidCrossEntropy.Loss(outputs, labels, n, out correct),
            MlpLossKind.SquaredError => SquaredError.Loss(outputs, targets, n * k),
            _ => HuberLoss.Loss(outputs, targets, n * k, HuberDelta),
        };
    }
}
