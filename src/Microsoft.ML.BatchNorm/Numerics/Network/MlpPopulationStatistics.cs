namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// The inference statistics of Ioffe and Szegedy (2015, arXiv:1502.03167), Algorithm 2, steps 8-11: with the trained
/// network frozen, process the training rows in mini-batches B and set each batch-norm layer's inference statistics to
/// E[x] = E_B[mu_B] and Var[x] = E_B[m/(m-1) sigma_B^2] (the unbiased estimate), over the mini-batches. x is batch
/// normalization's input: the dense output, or the ReLU's output when the layer places it after the activation.
/// </summary>
/// <remarks>
/// The rows are taken in their order, split as <see cref="MiniBatchPlan"/> splits an epoch (mini-batches of the batch
/// size; a trailing single row joins the previous mini-batch). Every mini-batch has the same weight, and each one's
/// variance is corrected with its own size m_B (the paper's m/(m-1) when all have m rows). Each mini-batch goes through
/// the training-mode forward (<see cref="MlpTrainingPass.ForwardStatistics"/>, that is
/// <see cref="BatchNormKernels.ForwardTraining"/>): a layer's input is the output of the layers below normalized with
/// their batch statistics, as in the paper's N_BN^tr. This is exactly what PyTorch's
/// <c>torch.optim.swa_utils.update_bn</c> does (running statistics reset, <c>momentum=None</c>, a cumulative average of
/// the batch mean and of the unbiased batch variance per mini-batch, in training mode) when its loader yields the same
/// mini-batches. The sums are kept in double.
/// </remarks>
internal static class MlpPopulationStatistics
{
    /// <summary>
    /// Replaces the running mean and variance of every batch-norm layer of <paramref name="pass"/>'s network with the
    /// population statistics of the first <paramref name="rowCount"/> rows of <paramref name="features"/>. Parameters are
    /// not changed. Does nothing for a network without batch normalization.
    /// </summary>
    /// <param name="pass">A workspace of the network for mini-batches of at least the plan's largest mini-batch.</param>
    /// <param name="features">rowCount x InputSize, row-major, finite.</param>
    /// <param name="rowCount">Rows (&gt;= 2).</param>
    /// <param name="batchSize">Rows per mini-batch (&gt;= 2).</param>
    /// <param name="cancellationToken">Checked before each mini-batch; the statistics are written only at the end.</param>
    /// <exception cref="ArgumentNullException">pass or features is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">rowCount or batchSize below 2, or a mini-batch larger than pass.MaxRows.</exception>
    /// <exception cref="ArgumentException">features is too short, or the activations are not finite.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the network is unchanged.</exception>
    public static void Compute(MlpTrainingPass pass, float[] features, int rowCount, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 2);
        IReadOnlyList<MlpLayer> layers = pass.Network.Layers;
        int featureCount = pass.Network.InputSize;
        if (features.Length < (long)rowCount * featureCount)
            throw new ArgumentException($"features has {features.Length} values; {rowCount} rows of {featureCount} need {(long)rowCount * featureCount}.", nameof(features));
        var plan = new MiniBatchPlan(rowCount, batchSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plan.MaxRows, pass.MaxRows, nameof(batchSize));

        var meanSums = new double[layers.Count][];
        var varianceSums = new double[layers.Count][];
        bool any = false;
        for (int l = 0; l < layers.Count; l++)
        {
            if (!layers[l].HasBatchNorm) continue;
            meanSums[l] = new double[layers[l].OutputSize];
            varianceSums[l] = new double[layers[l].OutputSize];
            any = true;
        }
        if (!any) return;

        for (int b = 0; b < plan.BatchCount; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            (int start, int n) = plan.GetBatch(b);
            features.AsSpan(start * featureCount, n * featureCount).CopyTo(pass.Input);
            pass.ForwardStatistics(n);
            double correction = n / (n - 1.0);
            for (int l = 0; l < layers.Count; l++)
            {
                if (meanSums[l] is not { } meanSum) continue;
                double[] varianceSum = varianceSums[l];
                ReadOnlySpan<float> mean = pass.BatchMean(l), variance = pass.BatchVariance(l);
                for (int j = 0; j < meanSum.Length; j++)
                {
                    meanSum[j] += mean[j];
                    varianceSum[j] += correction * variance[j];
                }
            }
        }
        cancellationToken.ThrowIfCancellationRequested();

        for (int l = 0; l < layers.Count; l++)
        {
            if (meanSums[l] is not { } meanSum) continue;
            float[] runningMean = layers[l].RunningMean!, runningVariance = layers[l].RunningVariance!;
            for (int j = 0; j < meanSum.Length; j++)
            {
                runningMean[j] = (float)(meanSum[j] / plan.BatchCount);
                runningVariance[j] = (float)(varianceSums[l][j] / plan.BatchCount);
            }
        }
    }
}
