namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// The training-mode batch-norm step of <see cref="MlpTrainingPass"/> when it is not plain batch normalization over the
/// whole mini-batch: Batch Renormalization (Ioffe 2017, arXiv:1702.03275, Algorithm 1), ghost batch normalization
/// (Hoffer, Hubara and Soudry 2017, arXiv:1705.08741, section 4.1, "virtual batches"), or both. Built on
/// <see cref="BatchNormKernels"/> (the one batch-norm implementation) called on row ranges, with every buffer
/// allocated once here for mini-batches of up to <see cref="MaxRows"/> rows: no allocation per step. Inference is not
/// affected: the layers' running statistics are updated as in plain training and serve inference as always.
/// </summary>
/// <remarks>
/// <para><b>Ghost batch normalization.</b> A mini-batch of n rows (row-major, so a group of consecutive rows is a
/// contiguous range) is split into virtual batches of <see cref="VirtualBatchSize"/> consecutive rows, each normalized
/// with its own mean and biased variance (Algorithm 1 of Ioffe and Szegedy 2015 on that group; gamma and beta shared),
/// and the backward pass goes through each group's statistics. The split is <see cref="MiniBatchPlan"/>'s, the
/// trainer's own rule for an epoch: the last group takes the remaining rows, and a remainder of one row joins the
/// previous group (one row has no batch statistics); a mini-batch of at most VirtualBatchSize rows is one group. The
/// running statistics are updated once per virtual batch, in order, with that group's size for the unbiased variance,
/// as Hoffer et al.'s Algorithm 1 does. Keras' <c>virtual_batch_size</c> instead requires it to divide the batch size
/// and updates the moving statistics once per mini-batch with the mean of the groups' statistics.</para>
/// <para><b>Batch Renormalization.</b> Per feature, with the biased batch variance as in Keras and the paper:
/// sigma_B = sqrt(var_B + epsilon), r = clip(sigma_B / sigma, 1 / r_max, r_max), d = clip((mu_B - mu) / sigma,
/// -d_max, d_max), y = gamma (xhat r + d) + beta where xhat = (x - mu_B) / sigma_B. mu and sigma are this object's
/// moving mean and moving standard deviation (of sigma_B, epsilon included, as the paper's Algorithm 1 and Keras'
/// <c>renorm_stddev</c>), starting at 0 and 1 (Keras' starting values) and updated after each batch with
/// <see cref="MlpBatchRenormalization.Momentum"/>; r and d use the values before that update. r and d are constants
/// of the backward pass (the paper's stop_gradient): with gamma' = gamma r and beta' = gamma d + beta the forward is
/// plain batch normalization with gamma' and beta', so dx is the plain backward with gamma', dBeta is unchanged and
/// dGamma = r sum(g xhat) + d sum(g). r_max and d_max follow <see cref="MlpBatchRenormalization.GetBounds"/> at the
/// layer's training step. With r_max = 1 and d_max = 0 this is plain batch normalization, bit for bit. The moving
/// mean and standard deviation live here only: they are not saved, and inference uses the layers' running
/// statistics (Keras derives its inference variance from its own moving standard deviation instead; the paper uses
/// mu and sigma). Both features together: each virtual batch is a batch of Algorithm 1, in order.</para>
/// <para>Forward with a null momentum (a gradient check, say) changes no state: neither the running statistics nor
/// the moving statistics of renormalization nor the step count.</para>
/// </remarks>
internal sealed unsafe class MlpBatchNormTraining
{
    private readonly MlpBatchRenormalization? _renormalization;
    private readonly LayerWorkspace?[] _layers;

    /// <summary>
    /// The workspace for <paramref name="network"/>, or null when both features are off (plain batch normalization,
    /// which <see cref="MlpTrainingPass"/> runs itself).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As the constructor.</exception>
    public static MlpBatchNormTraining? CreateOrNull(MlpNetwork network, int maxRows,
        MlpBatchRenormalization? renormalization, int? virtualBatchSize) =>
        renormalization is null && virtualBatchSize is null ? null
            : new MlpBatchNormTraining(network, maxRows, renormalization, virtualBatchSize);

    /// <summary>Allocates the workspace of every batch-norm layer of <paramref name="network"/>.</summary>
    /// <param name="network">The network trained.</param>
    /// <param name="maxRows">Largest mini-batch, at least 2.</param>
    /// <param name="renormalization">Batch Renormalization's settings (copied here), or null for none.</param>
    /// <param name="virtualBatchSize">Rows per virtual batch, at least 2, or null for the whole mini-batch.</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// maxRows or virtualBatchSize below 2, or a renormalization setting out of range (see
    /// <see cref="MlpBatchRenormalization.Validate"/>).
    /// </exception>
    public MlpBatchNormTraining(MlpNetwork network, int maxRows, MlpBatchRenormalization? renormalization, int? virtualBatchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 2);
        if (virtualBatchSize is int v) ArgumentOutOfRangeException.ThrowIfLessThan(v, 2, nameof(virtualBatchSize));
        renormalization?.Validate(nameof(renormalization));
        Network = network;
        MaxRows = maxRows;
        VirtualBatchSize = virtualBatchSize;
        _renormalization = renormalization?.Clone();
        int groups = virtualBatchSize is int size ? (maxRows + size - 1) / size : 1;
        _layers = new LayerWorkspace?[network.Layers.Count];
        for (int l = 0; l < _layers.Length; l++)
            if (network.Layers[l].HasBatchNorm)
                _layers[l] = new LayerWorkspace(network.Layers[l].OutputSize, groups, _renormalization is not null);
    }

    /// <summary>The network this workspace belongs to.</summary>
    public MlpNetwork Network { get; }

    /// <summary>Largest mini-batch.</summary>
    public int MaxRows { get; }

    /// <summary>Rows per virtual batch, or null: the whole mini-batch is one batch.</summary>
    public int? VirtualBatchSize { get; }

    /// <summary>Whether Batch Renormalization is on.</summary>
    public bool Renormalizes => _renormalization is not null;

    /// <summary>Training steps (forward passes with a momentum) layer <paramref name="layer"/> has taken.</summary>
    public long Steps(int layer) => Workspace(layer).Steps;

    /// <summary>Renormalization's moving mean mu of layer <paramref name="layer"/> (empty without renormalization).</summary>
    public ReadOnlySpan<float> RenormalizationMean(int layer) => Workspace(layer).MovingMean;

    /// <summary>Renormalization's moving standard deviation sigma of layer <paramref name="layer"/> (empty without it).</summary>
    public ReadOnlySpan<float> RenormalizationStandardDeviation(int layer) => Workspace(layer).MovingStd;

    /// <summary>r of the last forward of layer <paramref name="layer"/>: one row of OutputSize per virtual batch (empty without renormalization).</summary>
    public ReadOnlySpan<float> LastR(int layer) => Workspace(layer).R;

    /// <summary>d of the last forward, laid out as <see cref="LastR"/>.</summary>
    public ReadOnlySpan<float> LastD(int layer) => Workspace(layer).D;

    /// <summary>
    /// Training-mode forward of layer <paramref name="layerIndex"/>'s batch normalization (then the ReLU when
    /// <paramref name="applyRelu"/>), as the remarks describe, on the first n rows.
    /// </summary>
    /// <param name="layerIndex">The layer's index in the network.</param>
    /// <param name="z">The batch-norm input, n x OutputSize.</param>
    /// <param name="n">Rows, 2..MaxRows.</param>
    /// <param name="applyRelu">Whether a ReLU follows (fused).</param>
    /// <param name="y">Output, n x OutputSize.</param>
    /// <param name="runningStatisticsMomentum">
    /// Momentum of the layer's running statistics (PyTorch's convention), or null to change no state.
    /// </param>
    /// <param name="batchMean">Receives the mean of the last virtual batch (the mini-batch's without virtual batches).</param>
    /// <param name="batchVariance">Receives that batch's biased variance.</param>
    /// <param name="inverseStd">Receives that batch's 1 / sqrt(variance + epsilon).</param>
    /// <exception cref="ArgumentOutOfRangeException">n is out of range.</exception>
    /// <exception cref="ArgumentException">
    /// The layer has no batch normalization, or <see cref="BatchNormKernels.ForwardTraining"/> refused the values (a
    /// non-finite activation or parameter: the trainer reports a diverged network). The virtual batches before the one
    /// refused have updated the statistics; the step count is unchanged.
    /// </exception>
    public void Forward(int layerIndex, ReadOnlySpan<float> z, int n, bool applyRelu, Span<float> y,
        float? runningStatisticsMomentum, Span<float> batchMean, Span<float> batchVariance, Span<float> inverseStd)
    {
        LayerWorkspace w = Workspace(layerIndex);
        MlpLayer layer = Network.Layers[layerIndex];
        int d = layer.OutputSize;
        MiniBatchPlan groups = Groups(n);
        float rMax = 1f, dMax = 0f;
        _renormalization?.GetBounds(w.Steps, out rMax, out dMax);
        for (int g = 0; g < groups.BatchCount; g++)
        {
            (int start, int rows) = groups.GetBatch(g);
            ReadOnlySpan<float> zg = z.Slice(start * d, rows * d);
            Span<float> mean = w.Means.AsSpan(g * d, d), variance = w.Variances.AsSpan(g * d, d);
            ReadOnlySpan<float> gamma = layer.Gamma, beta = layer.Beta;
            if (_renormalization is not null)
            {
                Correct(w, g, zg, rows, layer, rMax, dMax);
                gamma = w.Gamma;
                beta = w.Beta;
            }
            BatchNormKernels.ForwardTraining(zg, rows, d, gamma, beta, layer.BatchNormEpsilon, applyRelu,
                y.Slice(start * d, rows * d), mean, variance, w.InverseStds.AsSpan(g * d, d));
            if (runningStatisticsMomentum is float momentum)
            {
                BatchNormKernels.UpdateRunningStatistics(layer.RunningMean, layer.RunningVariance, mean, variance, rows, momentum);
                if (_renormalization is not null) UpdateMovingStatistics(w, d, _renormalization.Momentum);
            }
        }
        int last = (groups.BatchCount - 1) * d;
        w.Means.AsSpan(last, d).CopyTo(batchMean);
        w.Variances.AsSpan(last, d).CopyTo(batchVariance);
        w.InverseStds.AsSpan(last, d).CopyTo(inverseStd);
        if (runningStatisticsMomentum is not null) w.Steps++;
    }

    /// <summary>
    /// Backward of the last <see cref="Forward"/> of layer <paramref name="layerIndex"/> (same n and inputs): dz, and
    /// dGamma and dBeta summed over the virtual batches (overwritten), with r and d held constant.
    /// </summary>
    /// <param name="layerIndex">The layer's index.</param>
    /// <param name="z">The forward's input, n x OutputSize.</param>
    /// <param name="y">The forward's output (the ReLU mask when <paramref name="applyRelu"/>).</param>
    /// <param name="dy">Gradient of the loss w.r.t. y, n x OutputSize.</param>
    /// <param name="n">Rows, as in the forward.</param>
    /// <param name="applyRelu">As in the forward.</param>
    /// <param name="dz">Output: gradient w.r.t. z, n x OutputSize.</param>
    /// <param name="dGamma">Output, length OutputSize.</param>
    /// <param name="dBeta">Output, length OutputSize.</param>
    /// <exception cref="ArgumentOutOfRangeException">n is out of range.</exception>
    /// <exception cref="ArgumentException">The layer has no batch normalization, or a gradient is not finite.</exception>
    public void Backward(int layerIndex, ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, int n,
        bool applyRelu, Span<float> dz, Span<float> dGamma, Span<float> dBeta)
    {
        LayerWorkspace w = Workspace(layerIndex);
        MlpLayer layer = Network.Layers[layerIndex];
        int d = layer.OutputSize;
        MiniBatchPlan groups = Groups(n);
        for (int g = 0; g < groups.BatchCount; g++)
        {
            (int start, int rows) = groups.GetBatch(g);
            int offset = start * d, size = rows * d;
            ReadOnlySpan<float> gamma = layer.Gamma;
            if (_renormalization is not null)
            {
                for (int j = 0; j < d; j++) w.Gamma[j] = layer.Gamma![j] * w.R[g * d + j];
                gamma = w.Gamma;
            }
            // The first group writes the outputs; the others add theirs (the kernel overwrites its gradients).
            Span<float> groupGamma = g == 0 ? dGamma : w.GammaGradient, groupBeta = g == 0 ? dBeta : w.BetaGradient;
            BatchNormKernels.Backward(z.Slice(offset, size), y.Slice(offset, size), dy.Slice(offset, size), rows, d,
                gamma, w.Means.AsSpan(g * d, d), w.InverseStds.AsSpan(g * d, d), applyRelu, dz.Slice(offset, size),
                groupGamma, groupBeta);
            if (_renormalization is not null)
            {
                // y = gamma (r xhat + d) + beta: dGamma = sum g (r xhat + d) = r sum(g xhat) + d sum(g).
                for (int j = 0; j < d; j++)
                    groupGamma[j] = w.R[g * d + j] * groupGamma[j] + w.D[g * d + j] * groupBeta[j];
            }
            if (g > 0)
            {
                for (int j = 0; j < d; j++)
                {
                    dGamma[j] += groupGamma[j];
                    dBeta[j] += groupBeta[j];
                }
            }
        }
    }

    // Batch Renormalization's r and d for virtual batch g (stored in R and D), the effective gamma' = gamma r and
    // beta' = gamma d + beta (in Gamma and Beta), and mu_B and sigma_B (in MomentMean and MomentM2) for the update.
    private static void Correct(LayerWorkspace w, int g, ReadOnlySpan<float> z, int rows, MlpLayer layer, float rMax, float dMax)
    {
        int d = layer.OutputSize;
        fixed (float* pz = z)
        fixed (double* mean = w.MomentMean, m2 = w.MomentM2)
            ColumnMoments.Compute(pz, rows, d, mean, m2);
        float[] gamma = layer.Gamma!, beta = layer.Beta!;
        double rMin = 1.0 / rMax;
        for (int j = 0; j < d; j++)
        {
            double sigmaB = Math.Sqrt(w.MomentM2[j] / rows + layer.BatchNormEpsilon), sigma = w.MovingStd[j];
            // Clamp keeps NaN (a diverged batch), which ForwardTraining then refuses.
            float r = (float)Math.Clamp(sigmaB / sigma, rMin, rMax);
            float shift = dMax == 0f ? 0f : (float)Math.Clamp((w.MomentMean[j] - w.MovingMean[j]) / sigma, -dMax, dMax);
            w.MomentM2[j] = sigmaB;
            w.R[g * d + j] = r;
            w.D[g * d + j] = shift;
            w.Gamma[j] = gamma[j] * r;
            w.Beta[j] = (float)(beta[j] + (double)gamma[j] * shift);
        }
    }

    // mu = (1 - m) mu + m mu_B and sigma = (1 - m) sigma + m sigma_B, after the forward (which used the old values).
    private static void UpdateMovingStatistics(LayerWorkspace w, int d, float momentum)
    {
        double keep = 1.0 - momentum;
        for (int j = 0; j < d; j++)
        {
            w.MovingMean[j] = (float)(keep * w.MovingMean[j] + momentum * w.MomentMean[j]);
            w.MovingStd[j] = (float)(keep * w.MovingStd[j] + momentum * w.MomentM2[j]);
        }
    }

    private MiniBatchPlan Groups(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxRows);
        return new MiniBatchPlan(n, VirtualBatchSize ?? n);
    }

    private LayerWorkspace Workspace(int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, _layers.Length);
        return _layers[layer] ?? throw new ArgumentException($"Layer {layer} has no batch normalization.", nameof(layer));
    }

    /// <summary>One batch-norm layer's buffers; the renormalization ones are empty without it.</summary>
    private sealed class LayerWorkspace
    {
        public LayerWorkspace(int width, int groups, bool renormalization)
        {
            Means = new float[groups * width];
            Variances = new float[groups * width];
            InverseStds = new float[groups * width];
            GammaGradient = new float[width];
            BetaGradient = new float[width];
            int perGroup = renormalization ? groups * width : 0, perFeature = renormalization ? width : 0;
            R = new float[perGroup];
            D = new float[perGroup];
            Gamma = new float[perFeature];
            Beta = new float[perFeature];
            MomentMean = new double[perFeature];
            MomentM2 = new double[perFeature];
            MovingMean = new float[perFeature];
            MovingStd = new float[perFeature];
            Array.Fill(MovingStd, 1f);
        }

        // Each virtual batch's statistics, as ForwardTraining writes them (groups x width).
        public float[] Means { get; }
        public float[] Variances { get; }
        public float[] InverseStds { get; }
        // One virtual batch's gamma and beta gradients before they are added to the layer's.
        public float[] GammaGradient { get; }
        public float[] BetaGradient { get; }
        // Renormalization: r and d per virtual batch (groups x width), one batch's gamma' and beta', its mu_B and
        // sigma_B (MomentM2 holds the centred sums until Correct turns them into sigma_B), the moving mu and sigma.
        public float[] R { get; }
        public float[] D { get; }
        public float[] Gamma { get; }
        public float[] Beta { get; }
        public double[] MomentMean { get; }
        public double[] MomentM2 { get; }
        public float[] MovingMean { get; }
        public float[] MovingStd { get; }
        public long Steps { get; set; }
    }
}
