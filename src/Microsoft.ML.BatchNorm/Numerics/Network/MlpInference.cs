namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Eval-mode forward of an <see cref="MlpNetwork"/> with batch normalization folded into dense weights
/// (<see cref="MlpFolding"/>; Ioffe and Szegedy 2015, Algorithm 2 applied to a linear layer): before the activation
/// into the preceding dense layer, W' = diag(scale) W and b' = (b - runningMean) * scale + beta,
/// scale = gamma / sqrt(runningVariance + epsilon); after the activation into the next dense layer,
/// W' = W diag(scale) and b' = b + W (beta - runningMean * scale). ReLU fused into the bias pass. Holds its own folded copy and workspace: not thread-safe, use one per thread. Later changes to the network's
/// parameters are not seen (the trainer refreshes its own instance).
/// </summary>
internal sealed unsafe class MlpInference
{
    /// <summary>
    /// Large calls are cut into tiles of this many rows, each run through every layer on one core: the activations of
    /// a tile stay in cache and the cores do not meet at a fork/join per layer.
    /// </summary>
    private const int TileRows = 128;

    /// <summary>
    /// Up to this many rows, each row goes through <see cref="Sgemm.MultiplyRow"/> with the transposed weights: a
    /// matrix product would spend more time packing the weights than multiplying (single-row prediction is the
    /// latency case). Both give the same bits, so a row scores the same alone as inside a batch.
    /// </summary>
    private const int SingleRowLimit = 4;

    private readonly MlpNetwork _network;
    private readonly float[][] _weights;          // folded, out x in (the matrix products' B, transposed)
    private readonly float[][] _weightsByInput;   // the same, in x out (the single-row products' B)
    private readonly float[][] _biases;
    private readonly float[] _scale;
    private readonly double[] _shift;
    private readonly float[] _bufferA;
    private readonly float[] _bufferB;

    /// <summary>Folds the network's current parameters and allocates a workspace for <paramref name="maxRows"/> rows.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRows"/> is less than 1.</exception>
    internal MlpInference(MlpNetwork network, int maxRows)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        _network = network;
        MaxRows = maxRows;
        IReadOnlyList<MlpLayer> layers = network.Layers;
        _weights = new float[layers.Count][];
        _weightsByInput = new float[layers.Count][];
        _biases = new float[layers.Count][];
        for (int l = 0; l < layers.Count; l++)
        {
            _weights[l] = new float[layers[l].Weights.Length];
            _weightsByInput[l] = new float[layers[l].Weights.Length];
            _biases[l] = new float[layers[l].OutputSize];
        }
        int width = network.MaxWidth;
        _scale = new float[Math.Max(width, network.InputSize)];
        _shift = new double[Math.Max(width, network.InputSize)];
        _bufferA = new float[(long)maxRows * width];
        _bufferB = new float[(long)maxRows * width];
        Refresh();
    }

    /// <summary>Largest row count per call.</summary>
    public int MaxRows { get; }

    /// <summary>Features per row.</summary>
    public int InputSize => _network.InputSize;

    /// <summary>Number of classes (probabilities per row).</summary>
    public int ClassCount => _network.ClassCount;

    /// <summary>
    /// Class probabilities (softmax of the logits) of n rows: <paramref name="x"/> is n x InputSize row-major,
    /// <paramref name="probabilities"/> receives n x ClassCount.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative or above <see cref="MaxRows"/>.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its n rows.</exception>
    public void PredictProbabilities(ReadOnlySpan<float> x, int n, Span<float> probabilities)
    {
        ComputeLogits(x, n, probabilities);
        SoftmaxCrossEntropy.Softmax(probabilities, n, ClassCount, probabilities);
    }

    /// <summary>The logits (n x ClassCount) of n rows; same checks as <see cref="PredictProbabilities"/>.</summary>
    internal void ComputeLogits(ReadOnlySpan<float> x, int n, Span<float> logits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxRows);
        if (x.Length < (long)n * InputSize)
            throw new ArgumentException($"x has {x.Length} elements; {n} rows of {InputSize} need {(long)n * InputSize}.", nameof(x));
        if (logits.Length < (long)n * ClassCount)
            throw new ArgumentException($"The output has {logits.Length} elements; {n} rows of {ClassCount} classes need {(long)n * ClassCount}.", nameof(logits));
        if (n == 0) return;

        if (n >= 2 * TileRows && Environment.ProcessorCount > 1)
        {
            fixed (float* px = x)
            fixed (float* pl = logits)
                ForwardTiles(px, pl, n);
            return;
        }
        Forward(x, n, logits, 0, Environment.ProcessorCount);
    }

    private void ForwardTiles(float* x, float* logits, int n)
    {
        int tiles = (n + TileRows - 1) / TileRows, inSize = InputSize, classes = ClassCount;
        Parallel.For(0, tiles, t =>
        {
            int start = t * TileRows, rows = Math.Min(TileRows, n - start);
            Forward(new ReadOnlySpan<float>(x + (long)start * inSize, rows * inSize), rows,
                new Span<float>(logits + (long)start * classes, rows * classes), start, maxThreads: 1);
        });
    }

    // Runs n rows through every layer; the activations use rows [bufferRow, bufferRow + n) of the workspace, so
    // tiles running at the same time never share memory.
    private void Forward(ReadOnlySpan<float> x, int n, Span<float> logits, int bufferRow, int maxThreads)
    {
        IReadOnlyList<MlpLayer> layers = _network.Layers;
        long offset = (long)bufferRow * _network.MaxWidth;
        ReadOnlySpan<float> input = x;
        for (int l = 0; l < layers.Count; l++)
        {
            MlpLayer layer = layers[l];
            int inSize = layer.InputSize, outSize = layer.OutputSize;
            Span<float> output = l == layers.Count - 1
                ? logits[..(n * outSize)]
                : (l % 2 == 0 ? _bufferA : _bufferB).AsSpan((int)offset, n * outSize);
            if (n <= SingleRowLimit)
            {
                for (int i = 0; i < n; i++)
                    Sgemm.MultiplyRow(input.Slice(i * inSize, inSize), inSize, _weightsByInput[l], outSize,
                        output.Slice(i * outSize, outSize));
            }
            else
            {
                Sgemm.Multiply(false, true, n, outSize, inSize, 1f, input, inSize, _weights[l], inSize, 0f, output, outSize,
                    SgemmKernels.Best, maxThreads);
            }
            DenseKernels.AddBias(output, n, outSize, _biases[l], layer.HasRelu);
            input = output;
        }
    }

    /// <summary>Re-folds from the network's current parameters and running statistics (no allocation).</summary>
    internal void Refresh()
    {
        IReadOnlyList<MlpLayer> layers = _network.Layers;
        for (int l = 0; l < layers.Count; l++)
        {
            MlpFolding.FoldLayer(layers, l, _weights[l], _biases[l], _scale, _shift);
            Transpose(_weights[l], layers[l].OutputSize, layers[l].InputSize, _weightsByInput[l]);
        }
    }

    // target (cols x rows) = source (rows x cols)^T.
    private static void Transpose(ReadOnlySpan<float> source, int rows, int cols, Span<float> target)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                target[c * rows + r] = source[r * cols + c];
    }
}
