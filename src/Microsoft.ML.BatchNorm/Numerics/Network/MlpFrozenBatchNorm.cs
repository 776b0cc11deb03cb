namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// The training-mode step of a batch-norm layer whose statistics are frozen (<see cref="MlpBatchNormFreezing"/>): the
/// layer's running statistics normalize, as at inference, so the layer is a fixed affine map in the forward and the
/// backward pass (<see cref="BatchNormKernels.ForwardFrozen"/>, <see cref="BatchNormKernels.BackwardFrozen"/>). Kept
/// apart from <see cref="MlpTrainingPass"/>, which only branches here.
/// </summary>
internal static class MlpFrozenBatchNorm
{
    /// <summary>
    /// a = gamma * (z - runningMean) / sqrt(runningVariance + epsilon) + beta, then ReLU when <paramref name="applyRelu"/>
    /// (false when batch normalization follows the activation: z is then already ReLU(x W^T + b)), for n rows of the
    /// layer's outputs; the running statistics are not changed. Writes the mini-batch's own mean and biased variance of z (diagnostics)
    /// and the running 1 / sqrt(variance + epsilon) (for <see cref="Backward"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A non-finite value (see <see cref="BatchNormKernels.ForwardFrozen"/>).</exception>
    public static void Forward(MlpLayer layer, ReadOnlySpan<float> z, int n, bool applyRelu, Span<float> a, Span<float> batchMean,
        Span<float> batchVariance, Span<float> inverseStd) =>
        BatchNormKernels.ForwardFrozen(z, n, layer.OutputSize, layer.Gamma, layer.Beta, layer.RunningMean,
            layer.RunningVariance, layer.BatchNormEpsilon, applyRelu, a, batchMean, batchVariance, inverseStd);

    /// <summary>
    /// dz, dGamma and dBeta of the fixed affine map from da (the gradient after the ReLU when <paramref name="applyRelu"/>)
    /// and the forward's z and a.
    /// </summary>
    /// <exception cref="ArgumentException">A non-finite gradient (see <see cref="BatchNormKernels.BackwardFrozen"/>).</exception>
    public static void Backward(MlpLayer layer, ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, int n,
        bool applyRelu, ReadOnlySpan<float> inverseStd, Span<float> dz, Span<float> dGamma, Span<float> dBeta) =>
        BatchNormKernels.BackwardFrozen(z, a, da, n, layer.OutputSize, layer.Gamma, layer.RunningMean, inverseStd,
            applyRelu, dz, dGamma, dBeta);
}
