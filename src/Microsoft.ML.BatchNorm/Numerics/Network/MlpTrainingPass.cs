namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Training-mode forward and backward passes of one mini-batch through an <see cref="MlpNetwork"/>, with every
/// buffer preallocated for <see cref="MaxRows"/> rows: the batch input and labels, per layer the dense outputs,
/// activations, batch statistics, and the gradients of activations and parameters. No allocation per pass.
/// </summary>
/// <remarks>
/// Per hidden layer: z = x W^T (+ b without batch norm); a = ReLU(BN(z)) through
/// <see cref="BatchNormKernels.ForwardTraining"/> (Ioffe and Szegedy 2015, Algorithm 1), or a = ReLU(z); with batch
/// normalization after the activation, z = x W^T + b and a = BN(ReLU(z)) through the same kernels without the fused
/// ReLU (the backward pass then masks the normalization's input gradient by ReLU(z) &gt; 0). Output:
/// outputs = x W^T + b, loss = the mean of the <see cref="MlpLoss"/> (softmax cross-entropy: dlogits = (softmax - onehot) / n);
/// dW = dz^T x, db = column sums of dz, dx = dz W; through batch norm with <see cref="BatchNormKernels.Backward"/>
/// (section 3, including the batch statistics).
/// </remarks>
internal sealed class MlpTrainingPass
{
    private readonly MlpLayer[] _layers;
    private readonly float[]?[] _preActivations;   // BN input of batch-norm layers: z, or ReLU(z) after the activation; others write a directly
    private readonly float[][] _outputs;            // a of hidden layers; logits of the output layer
    private readonly float[][] _outputGradients;    // dL/da (hidden) or dL/dlogits (output)
    private readonly float[]?[] _preActivationGradients; // dL/dz of batch-norm layers (via dL/dReLU(z) after the activation)
    private readonly float[]?[] _batchMeans, _batchVariances, _inverseStds;
    private readonly MlpLoss _loss;

    /// <summary>Allocates the workspace of <paramref name="network"/> for mini-batches of up to <paramref name="maxRows"/> rows.</summary>
    /// <param name="network">The network trained.</param>
    /// <param name="maxRows">Largest mini-batch.</param>
    /// <param name="loss">The loss on the last layer's outputs; the default value is softmax cross-entropy.</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRows"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The sigmoid cross-entropy on an output layer of more than one unit.</exception>
    public MlpTrainingPass(MlpNetwork network, int maxRows, MlpLoss loss = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        if (loss.Kind == MlpLossKind.SigmoidCrossEntropy && network.ClassCount != 1)
            throw new ArgumentException("The sigmoid cross-entropy needs an output layer of one unit.", nameof(loss));
        _loss = loss;
        Network = network;
        MaxRows = maxRows;
        _layers = [.. network.Layers];
        int count = _layers.Length;
        Input = new float[(long)maxRows * network.InputSize];
        Labels = new int[maxRows];
        Targets = new float[(long)maxRows * network.ClassCount];
        _preActivations = new float[count][];
        _outputs = new float[count][];
        _outputGradients = new float[count][];
        _preActivationGradients = new float[count][];
        _batchMeans = new float[count][];
        _batchVariances = new float[count][];
        _inverseStds = new float[count][];
        WeightGradients = new float[count][];
        BiasGradients = new float[count][];
        GammaGradients = new float[count][];
        BetaGradients = new float[count][];
        var parameters = new List<MlpParameter>();
        for (int l = 0; l < count; l++)
        {
            MlpLayer layer = _layers[l];
            int size = layer.OutputSize;
            long rows = (long)maxRows * size;
            _outputs[l] = new float[rows];
            _outputGradients[l] = new float[rows];
            WeightGradients[l] = new float[layer.Weights.Length];
            parameters.Add(new MlpParameter(layer.Weights, WeightGradients[l], applyWeightDecay: true));
            if (layer.Bias is not null)
            {
                BiasGradients[l] = new float[size];
                parameters.Add(new MlpParameter(layer.Bias, BiasGradients[l]!, applyWeightDecay: false));
            }
            if (layer.HasBatchNorm)
            {
                _preActivations[l] = new float[rows];
                _preActivationGradients[l] = new float[rows];
                _batchMeans[l] = new float[size];
                _batchVariances[l] = new float[size];
                _inverseStds[l] = new float[size];
                GammaGradients[l] = new float[size];
                BetaGradients[l] = new float[size];
                parameters.Add(new MlpParameter(layer.Gamma!, GammaGradients[l]!, applyWeightDecay: false));
                parameters.Add(new MlpParameter(layer.Beta!, BetaGradients[l]!, applyWeightDecay: false));
            }
        }
        Parameters = parameters;
    }

    /// <summary>The network trained.</summary>
    public MlpNetwork Network { get; }

    /// <summary>
    /// Whether the batch-norm layers normalize with their running statistics, which stay fixed, in training mode too
    /// (fine-tuning with <see cref="MlpBatchNormFreezing"/>; the step is <see cref="MlpFrozenBatchNorm"/>). Default false.
    /// </summary>
    public bool FreezeStatistics { get; init; }

    /// <summary>Largest mini-batch.</summary>
    public int MaxRows { get; }

    /// <summary>The mini-batch features (MaxRows x InputSize); fill the first n rows before <see cref="Forward"/>.</summary>
    public float[] Input { get; }

    /// <summary>The mini-batch labels (0..ClassCount-1, or 0/1 for the sigmoid); fill the first n before <see cref="Forward"/>.</summary>
    public int[] Labels { get; }

    /// <summary>The mini-batch regression targets (MaxRows x ClassCount); fill the first n rows before <see cref="Forward"/>.</summary>
    public float[] Targets { get; }

    /// <summary>The loss.</summary>
    public MlpLoss Loss => _loss;

    /// <summary>Gradients of the dense weights, per layer (same layout as the weights).</summary>
    public float[][] WeightGradients { get; }

    /// <summary>Gradients of the dense biases per layer (null where the layer has no bias).</summary>
    public float[]?[] BiasGradients { get; }

    /// <summary>Gradients of gamma per layer (null without batch normalization).</summary>
    public float[]?[] GammaGradients { get; }

    /// <summary>Gradients of beta per layer (null without batch normalization).</summary>
    public float[]?[] BetaGradients { get; }

    /// <summary>Every trainable array with its gradient: weights (decayed), biases, gamma, beta.</summary>
    public IReadOnlyList<MlpParameter> Parameters { get; }

    /// <summary>
    /// Batch Renormalization and/or ghost batch normalization for the training-mode batch-norm step of
    /// <see cref="Forward"/> and <see cref="Backward"/> (see <see cref="MlpBatchNormTraining"/>), or null (default) for
    /// plain batch normalization over the whole mini-batch. <see cref="ForwardStatistics"/> always uses plain batch
    /// normalization. Must be built for this <see cref="Network"/> and at least <see cref="MaxRows"/> rows.
    /// </summary>
    /// <exception cref="ArgumentException">It belongs to another network or is too small.</exception>
    public MlpBatchNormTraining? BatchNormTraining
    {
        get => _batchNormTraining;
        init
        {
            if (value is not null && (value.Network != Network || value.MaxRows < MaxRows))
                throw new ArgumentException("The batch-norm workspace belongs to another network or holds fewer rows than the pass.", nameof(BatchNormTraining));
            _batchNormTraining = value;
        }
    }

    private readonly MlpBatchNormTraining? _batchNormTraining;

    /// <summary>The logits of the last forward pass (first n x ClassCount values).</summary>
    internal ReadOnlySpan<float> Logits => _outputs[^1];

    /// <summary>
    /// Training-mode forward of the first <paramref name="n"/> rows of <see cref="Input"/>, and the gradient of the mean
    /// loss with respect to the logits (kept for <see cref="Backward"/>).
    /// </summary>
    /// <param name="n">Rows, 1..MaxRows (at least 2 when the network has batch normalization).</param>
    /// <param name="runningStatisticsMomentum">
    /// Momentum of the running-statistics update (PyTorch convention), or null to leave them untouched.
    /// </param>
    /// <param name="correct">Rows classified right (arg-max logit is the label; sign of the sigmoid's logit); 0 for regression.</param>
    /// <returns>The mean loss of the n rows (NaN or infinity when the network diverged).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is out of range.</exception>
    public double Forward(int n, float? runningStatisticsMomentum, out int correct)
    {
        ReadOnlySpan<float> x = ForwardLayers(n, runningStatisticsMomentum, _batchNormTraining);
        int classCount = Network.ClassCount;
        double lossSum = _loss.ForwardBackward(x, Labels.AsSpan(0, n), Targets.AsSpan(0, n * classCount), n, classCount,
            _outputGradients[^1].AsSpan(0, n * classCount), out correct);
        return lossSum / n;
    }

    /// <summary>
    /// Training-mode forward of the first <paramref name="n"/> rows of <see cref="Input"/> with the network frozen: the
    /// same layers as <see cref="Forward"/> (each batch-norm layer normalizes with its batch statistics), no loss,
    /// running statistics untouched. Afterwards <see cref="BatchMean"/> and <see cref="BatchVariance"/> hold each
    /// batch-norm layer's statistics of this mini-batch (the inputs of Algorithm 2's population statistics).
    /// </summary>
    /// <param name="n">Rows, 2..MaxRows.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is out of range.</exception>
    public void ForwardStatistics(int n) => ForwardLayers(n, null, null);

    /// <summary>
    /// Layer <paramref name="layer"/>'s batch mean of the last forward pass (empty without batch normalization; the last
    /// virtual batch's with <see cref="MlpBatchNormTraining.VirtualBatchSize"/>, and so for the variance).
    /// </summary>
    public ReadOnlySpan<float> BatchMean(int layer) => _batchMeans[layer];

    /// <summary>
    /// Layer <paramref name="layer"/>'s biased (divide by n) batch variance of the last forward pass (empty without
    /// batch normalization).
    /// </summary>
    public ReadOnlySpan<float> BatchVariance(int layer) => _batchVariances[layer];

    // The layers' training-mode forward; returns the logits (first n rows).
    private ReadOnlySpan<float> ForwardLayers(int n, float? runningStatisticsMomentum, MlpBatchNormTraining? variant)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxRows);
        ReadOnlySpan<float> x = Input.AsSpan(0, n * Network.InputSize);
        for (int l = 0; l < _layers.Length; l++)
        {
            MlpLayer layer = _layers[l];
            int inSize = layer.InputSize, outSize = layer.OutputSize;
            Span<float> a = _outputs[l].AsSpan(0, n * outSize);
            if (layer.HasBatchNorm)
            {
                if (n < 2)
                    throw new ArgumentOutOfRangeException(nameof(n), n, "Training-mode batch normalization needs at least 2 rows.");
                Span<float> z = _preActivations[l].AsSpan(0, n * outSize);
                Sgemm.Multiply(false, true, n, outSize, inSize, 1f, x, inSize, layer.Weights, inSize, 0f, z, outSize);
                // After the activation, z becomes r = ReLU(z + b): the normalization's input, and the ReLU's mask in
                // the backward pass. Before it, the ReLU is fused into the normalization's output.
                bool after = layer.HasBatchNormAfterActivation;
                if (layer.Bias is not null) DenseKernels.AddBias(z, n, outSize, layer.Bias, applyRelu: after);
                if (FreezeStatistics)
                    MlpFrozenBatchNorm.Forward(layer, z, n, layer.HasRelu && !after, a, _batchMeans[l], _batchVariances[l], _inverseStds[l]);
                else if (variant is not null)
                    variant.Forward(l, z, n, layer.HasRelu && !after, a, runningStatisticsMomentum, _batchMeans[l], _batchVariances[l], _inverseStds[l]);
                else
                {
                    BatchNormKernels.ForwardTraining(z, n, outSize, layer.Gamma, layer.Beta, layer.BatchNormEpsilon,
                        layer.HasRelu && !after, a, _batchMeans[l], _batchVariances[l], _inverseStds[l]);
                    if (runningStatisticsMomentum is float momentum)
                        BatchNormKernels.UpdateRunningStatistics(layer.RunningMean, layer.RunningVariance, _batchMeans[l],
                            _batchVariances[l], n, momentum);
                }
            }
            else
            {
                Sgemm.Multiply(false, true, n, outSize, inSize, 1f, x, inSize, layer.Weights, inSize, 0f, a, outSize);
                DenseKernels.AddBias(a, n, outSize, layer.Bias, layer.HasRelu);
            }
            x = a;
        }
        return x;
    }

    /// <summary>
    /// Backward pass of the last <see cref="Forward"/> (same <paramref name="n"/>): overwrites every gradient array with
    /// the gradient of the mean loss (no regularization term).
    /// </summary>
    public void Backward(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxRows);
        for (int l = _layers.Length - 1; l >= 0; l--)
        {
            MlpLayer layer = _layers[l];
            int inSize = layer.InputSize, outSize = layer.OutputSize;
            ReadOnlySpan<float> x = l == 0 ? Input.AsSpan(0, n * inSize) : _outputs[l - 1].AsSpan(0, n * inSize);
            Span<float> da = _outputGradients[l].AsSpan(0, n * outSize);
            Span<float> dz;
            if (layer.HasBatchNorm)
            {
                dz = _preActivationGradients[l].AsSpan(0, n * outSize);
                bool after = layer.HasBatchNormAfterActivation;
                Span<float> bnInput = _preActivations[l].AsSpan(0, n * outSize);
                if (FreezeStatistics)
                    MlpFrozenBatchNorm.Backward(layer, bnInput, _outputs[l].AsSpan(0, n * outSize),
                        da, n, layer.HasRelu && !after, _inverseStds[l], dz, GammaGradients[l], BetaGradients[l]);
                else if (_batchNormTraining is not null)
                    _batchNormTraining.Backward(l, bnInput, _outputs[l].AsSpan(0, n * outSize),
                        da, n, layer.HasRelu && !after, dz, GammaGradients[l], BetaGradients[l]);
                else
                    BatchNormKernels.Backward(bnInput, _outputs[l].AsSpan(0, n * outSize),
                        da, n, outSize, layer.Gamma, _batchMeans[l], _inverseStds[l], layer.HasRelu && !after, dz,
                        GammaGradients[l], BetaGradients[l]);
                // After the activation the normalization's input is r = ReLU(z + b): its gradient passes where r > 0.
                if (after) DenseKernels.ReluBackward(bnInput, dz, dz, n * outSize);
            }
            else
            {
                dz = da;
                if (layer.HasRelu) DenseKernels.ReluBackward(_outputs[l], da, dz, n * outSize);
            }
            if (layer.Bias is not null) DenseKernels.ColumnSums(dz, n, outSize, BiasGradients[l]);
            // dW (out x in) = dz^T (out x n) x (n x in).
            Sgemm.Multiply(true, false, outSize, inSize, n, 1f, dz, outSize, x, inSize, 0f, WeightGradients[l], inSize);
            // dx (n x in) = dz (n x out) W (out x in): the previous layer's output gradient; not needed for the input.
            if (l > 0)
                Sgemm.Multiply(false, false, n, inSize, outSize, 1f, dz, outSize, layer.Weights, inSize, 0f,
                    _outputGradients[l - 1].AsSpan(0, n * inSize), inSize);
        }
    }
}
