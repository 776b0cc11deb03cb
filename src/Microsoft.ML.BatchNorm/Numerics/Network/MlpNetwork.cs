namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// A multilayer perceptron: hidden layers dense -> (batch norm) -> ReLU, or dense -> ReLU -> batch norm
/// (<see cref="MlpBatchNormPlacement"/>), then a dense output layer whose outputs the
/// loss interprets (<see cref="MlpLossKind"/>: softmax logits, one sigmoid logit, or regression values). Parameters live in the <see cref="MlpLayer"/> arrays.
/// </summary>
internal sealed class MlpNetwork
{
    private readonly MlpLayer[] _layers;

    /// <summary>Creates a network over given layers (for loading saved models), checking that the shapes chain.</summary>
    /// <param name="layers">
    /// At least one layer; each layer's InputSize equals the previous layer's OutputSize; every layer but the last has
    /// ReLU; the last has a bias and neither batch normalization nor ReLU (it produces the logits).
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="layers"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">The layers are empty or do not form such a network; the message names the layer.</exception>
    public MlpNetwork(IReadOnlyList<MlpLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
            throw new ArgumentException("A network needs at least one (output) layer.", nameof(layers));
        _layers = new MlpLayer[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            MlpLayer layer = layers[i] ?? throw new ArgumentNullException(nameof(layers), $"Layer {i} is null.");
            bool isLast = i == layers.Count - 1;
            if (i > 0 && layer.InputSize != _layers[i - 1].OutputSize)
                throw new ArgumentException(
                    $"Layer {i} takes {layer.InputSize} inputs but layer {i - 1} produces {_layers[i - 1].OutputSize}.", nameof(layers));
            if (!isLast && !layer.HasRelu)
                throw new ArgumentException($"Hidden layer {i} must have ReLU.", nameof(layers));
            if (isLast && (layer.HasRelu || layer.HasBatchNorm || layer.Bias is null))
                throw new ArgumentException(
                    $"The output layer ({i}) must be a dense layer with a bias, without batch normalization or ReLU.", nameof(layers));
            _layers[i] = layer;
        }
    }

    /// <summary>Features per row.</summary>
    public int InputSize => _layers[0].InputSize;

    /// <summary>Outputs of the last layer: the classes of a multiclass network, 1 for a binary logit or a regression.</summary>
    public int ClassCount => _layers[^1].OutputSize;

    /// <summary>The layers, input side first; the last produces the logits.</summary>
    public IReadOnlyList<MlpLayer> Layers => _layers;

    /// <summary>Widest layer output (workspace sizing).</summary>
    internal int MaxWidth
    {
        get
        {
            int width = 0;
            foreach (MlpLayer layer in _layers) width = Math.Max(width, layer.OutputSize);
            return width;
        }
    }

    /// <summary>
    /// A freshly initialized network. Weights (and biases) as <paramref name="initialization"/> says, drawn layer by
    /// layer, each layer's weights in row-major order, then its bias: He (Kaiming) normal N(0, 2 / fanIn) (He et al.
    /// 2015, section 2.2) with biases 0; PyTorch's nn.Linear default, weights and biases uniform in +-1/sqrt(fanIn);
    /// or Glorot uniform +-sqrt(6 / (fanIn + fanOut)) with biases 0. Gamma 1, beta 0, running mean 0, running
    /// variance 1. Hidden layers whose dense output batch normalization follows have no bias (Ioffe and Szegedy 2015,
    /// 3.2); with batch normalization after the ReLU they keep it (drawn as any bias).
    /// </summary>
    /// <param name="inputSize">Features per row (&gt;= 1).</param>
    /// <param name="hiddenSizes">Hidden widths (each &gt;= 1), possibly empty.</param>
    /// <param name="classCount">Outputs of the last layer (&gt;= 1): the classes, or 1 for a binary logit or a regression.</param>
    /// <param name="useBatchNormalization">Whether hidden layers have batch normalization.</param>
    /// <param name="batchNormEpsilon">Epsilon of the batch normalization (finite, positive; ignored without it).</param>
    /// <param name="random">Source of the weights; the same state gives the same network.</param>
    /// <param name="initialization">How weights and biases are drawn. Default He normal.</param>
    /// <param name="weightScale">Factor on the drawn weights (not the biases), finite and positive; 1 leaves them as drawn.</param>
    /// <param name="batchNormPlacement">Where the hidden layers' batch normalization sits (ignored without it). Default before the ReLU.</param>
    /// <exception cref="ArgumentNullException"><paramref name="random"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1, or the epsilon, the scale or the placement is invalid.</exception>
    public static MlpNetwork CreateInitialized(int inputSize, ReadOnlySpan<int> hiddenSizes, int classCount,
        bool useBatchNormalization, float batchNormEpsilon, Random random,
        MlpInitialization initialization = MlpInitialization.HeNormal, float weightScale = 1f,
        MlpBatchNormPlacement batchNormPlacement = MlpBatchNormPlacement.BeforeActivation)
    {
        if (!Enum.IsDefined(batchNormPlacement))
            throw new ArgumentOutOfRangeException(nameof(batchNormPlacement), batchNormPlacement, "Unknown batch-norm placement.");
        ArgumentNullException.ThrowIfNull(random);
        if (!float.IsFinite(weightScale) || weightScale <= 0f)
            throw new ArgumentOutOfRangeException(nameof(weightScale), weightScale, "The weight scale must be finite and positive.");
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        var gaussian = new GaussianSampler(random);
        var layers = new MlpLayer[hiddenSizes.Length + 1];
        int fanIn = inputSize;
        for (int i = 0; i <= hiddenSizes.Length; i++)
        {
            bool isLast = i == hiddenSizes.Length;
            int width = isLast ? classCount : hiddenSizes[i];
            if (width < 1)
                throw new ArgumentOutOfRangeException(nameof(hiddenSizes), width, $"Hidden size {i} must be at least 1.");
            var weights = new float[(long)width * fanIn];
            bool bn = useBatchNormalization && !isLast;
            bool bnAfter = bn && batchNormPlacement == MlpBatchNormPlacement.AfterActivation;
            float[]? bias = bn && !bnAfter ? null : new float[width];
            switch (initialization)
            {
                case MlpInitialization.HeNormal:
                    double std = Math.Sqrt(2.0 / fanIn);
                    for (int j = 0; j < weights.Length; j++) weights[j] = (float)(std * gaussian.Next());
                    break;
                case MlpInitialization.PyTorchUniform:
                    double bound = 1.0 / Math.Sqrt(fanIn);
                    FillUniform(weights, bound, random);
                    if (bias is not null) FillUniform(bias, bound, random);
                    break;
                case MlpInitialization.GlorotUniform:
                    FillUniform(weights, Math.Sqrt(6.0 / (fanIn + width)), random);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(initialization), initialization, "Unknown initialization.");
            }
            if (weightScale != 1f)
                for (int j = 0; j < weights.Length; j++) weights[j] *= weightScale;
            layers[i] = bn
                ? new MlpLayer(fanIn, width, weights, bias, Filled(width, 1f), new float[width], new float[width],
                    Filled(width, 1f), batchNormEpsilon, hasRelu: true,
                    bnAfter ? MlpBatchNormPlacement.AfterActivation : MlpBatchNormPlacement.BeforeActivation)
                : new MlpLayer(fanIn, width, weights, bias, null, null, null, null, 0f, hasRelu: !isLast);
            fanIn = width;
        }
        return new MlpNetwork(layers);
    }

    /// <summary>
    /// A per-thread inference object for at most <paramref name="maxRows"/> rows per call, with batch normalization
    /// folded into the dense weights (from the parameters as they are now).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRows"/> is less than 1.</exception>
    public MlpInference CreateInference(int maxRows) => new(this, maxRows);

    /// <summary>A deep copy: the same layers with copies of every array (fine-tuning trains the copy, never the original).</summary>
    public MlpNetwork Clone() => new(Array.ConvertAll(_layers, l => new MlpLayer(l.InputSize, l.OutputSize,
        (float[])l.Weights.Clone(), (float[]?)l.Bias?.Clone(), (float[]?)l.Gamma?.Clone(), (float[]?)l.Beta?.Clone(),
        (float[]?)l.RunningMean?.Clone(), (float[]?)l.RunningVariance?.Clone(), l.BatchNormEpsilon, l.HasRelu,
        l.BatchNormPlacement)));

    /// <summary>Every array of the network's state (parameters and running statistics), in a fixed order.</summary>
    internal List<float[]> StateArrays()
    {
        var arrays = new List<float[]>();
        foreach (MlpLayer layer in _layers)
        {
            arrays.Add(layer.Weights);
            if (layer.Bias is not null) arrays.Add(layer.Bias);
            if (layer.HasBatchNorm)
            {
                arrays.Add(layer.Gamma!);
                arrays.Add(layer.Beta!);
                arrays.Add(layer.RunningMean!);
                arrays.Add(layer.RunningVariance!);
            }
        }
        return arrays;
    }

    // Uniform in [-bound, bound).
    private static void FillUniform(float[] values, double bound, Random random)
    {
        for (int j = 0; j < values.Length; j++) values[j] = (float)((2.0 * random.NextDouble() - 1.0) * bound);
    }

    private static float[] Filled(int length, float value)
    {
        var array = new float[length];
        array.AsSpan().Fill(value);
        return array;
    }
}
