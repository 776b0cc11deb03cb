namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// One layer of an <see cref="MlpNetwork"/>: dense (y = x W^T (+ b)), optionally batch normalization (Ioffe and
/// Szegedy 2015; learned gamma/beta and running statistics), optionally ReLU; batch normalization comes before the
/// ReLU or after it (<see cref="BatchNormPlacement"/>). The arrays are the live parameters: training updates them in
/// place.
/// </summary>
internal sealed class MlpLayer
{
    /// <summary>Creates a layer over the given arrays (not copied) after checking their shapes and values.</summary>
    /// <param name="inputSize">Inputs per row (&gt;= 1).</param>
    /// <param name="outputSize">Outputs per row (&gt;= 1).</param>
    /// <param name="weights">outputSize x inputSize, row-major (PyTorch's Linear layout).</param>
    /// <param name="bias">Length outputSize, or null for no bias (then batch normalization is required: beta is the bias).</param>
    /// <param name="gamma">Batch-norm scale, length outputSize; null without batch normalization (then so are the next three).</param>
    /// <param name="beta">Batch-norm shift, length outputSize.</param>
    /// <param name="runningMean">Running mean of the pre-normalization outputs, length outputSize.</param>
    /// <param name="runningVariance">Running (unbiased) variance, length outputSize, non-negative.</param>
    /// <param name="batchNormEpsilon">Epsilon added to the variance; finite and positive when batch norm is present.</param>
    /// <param name="hasRelu">Whether ReLU follows the dense step (after batch normalization when it is placed before the activation).</param>
    /// <param name="batchNormPlacement">
    /// Where batch normalization sits: before the ReLU (default) or after it; after it needs batch normalization,
    /// ReLU and a bias.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1, the epsilon is not finite and positive, or the placement is unknown.</exception>
    /// <exception cref="ArgumentException">
    /// An array has the wrong length, holds a non-finite value (or a negative variance), the batch-norm arrays are
    /// only partly given, there is neither a bias nor batch normalization, or batch normalization after the activation
    /// lacks the batch-norm arrays, the ReLU or the bias.
    /// </exception>
    public MlpLayer(int inputSize, int outputSize, float[] weights, float[]? bias, float[]? gamma, float[]? beta,
        float[]? runningMean, float[]? runningVariance, float batchNormEpsilon, bool hasRelu,
        MlpBatchNormPlacement batchNormPlacement = MlpBatchNormPlacement.BeforeActivation)
    {
        if (!Enum.IsDefined(batchNormPlacement))
            throw new ArgumentOutOfRangeException(nameof(batchNormPlacement), batchNormPlacement, "Unknown batch-norm placement.");
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        ArgumentNullException.ThrowIfNull(weights);
        CheckArray(weights, (long)outputSize * inputSize, nameof(weights), $"{outputSize} x {inputSize}");
        if (bias is not null) CheckArray(bias, outputSize, nameof(bias), null);
        bool anyBn = gamma is not null || beta is not null || runningMean is not null || runningVariance is not null;
        bool allBn = gamma is not null && beta is not null && runningMean is not null && runningVariance is not null;
        if (anyBn && !allBn)
            throw new ArgumentException("Batch normalization needs all of gamma, beta, runningMean and runningVariance, or none.", nameof(gamma));
        if (allBn)
        {
            CheckArray(gamma!, outputSize, nameof(gamma), null);
            CheckArray(beta!, outputSize, nameof(beta), null);
            CheckArray(runningMean!, outputSize, nameof(runningMean), null);
            CheckArray(runningVariance!, outputSize, nameof(runningVariance), null);
            for (int i = 0; i < outputSize; i++)
                if (runningVariance![i] < 0f)
                    throw new ArgumentException($"runningVariance[{i}] is negative ({runningVariance[i]}).", nameof(runningVariance));
            if (!float.IsFinite(batchNormEpsilon) || batchNormEpsilon <= 0f)
                throw new ArgumentOutOfRangeException(nameof(batchNormEpsilon), batchNormEpsilon, "The batch-norm epsilon must be finite and positive.");
        }
        else if (bias is null)
        {
            throw new ArgumentException("A layer without batch normalization needs a bias.", nameof(bias));
        }
        if (batchNormPlacement == MlpBatchNormPlacement.AfterActivation && !(allBn && hasRelu && bias is not null))
            throw new ArgumentException(
                "Batch normalization after the activation needs the batch-norm arrays, a ReLU and a bias (the ReLU sits between the bias and the normalization).",
                nameof(batchNormPlacement));

        InputSize = inputSize;
        OutputSize = outputSize;
        Weights = weights;
        Bias = bias;
        Gamma = gamma;
        Beta = beta;
        RunningMean = runningMean;
        RunningVariance = runningVariance;
        BatchNormEpsilon = allBn ? batchNormEpsilon : 0f;
        HasRelu = hasRelu;
        BatchNormPlacement = batchNormPlacement;
    }

    /// <summary>Inputs per row.</summary>
    public int InputSize { get; }

    /// <summary>Outputs per row.</summary>
    public int OutputSize { get; }

    /// <summary>Dense weights, <see cref="OutputSize"/> x <see cref="InputSize"/>, row-major.</summary>
    public float[] Weights { get; }

    /// <summary>Dense bias (length <see cref="OutputSize"/>), or null (layers whose dense output batch normalization follows).</summary>
    public float[]? Bias { get; }

    /// <summary>Batch-norm scale gamma (length <see cref="OutputSize"/>), or null without batch normalization.</summary>
    public float[]? Gamma { get; }

    /// <summary>Batch-norm shift beta, or null without batch normalization.</summary>
    public float[]? Beta { get; }

    /// <summary>
    /// Running mean of batch normalization's input (the dense outputs, or the ReLU's after the activation), or null
    /// without batch normalization.
    /// </summary>
    public float[]? RunningMean { get; }

    /// <summary>Running unbiased variance of batch normalization's input, or null without batch normalization.</summary>
    public float[]? RunningVariance { get; }

    /// <summary>Epsilon added to the variance (0 without batch normalization).</summary>
    public float BatchNormEpsilon { get; }

    /// <summary>Whether the layer has batch normalization (before or after its ReLU).</summary>
    public bool HasBatchNorm => Gamma is not null;

    /// <summary>Whether ReLU follows the dense step (last, or before batch normalization placed after it).</summary>
    public bool HasRelu { get; }

    /// <summary>
    /// Where batch normalization sits (<see cref="MlpBatchNormPlacement.BeforeActivation"/> for layers without it).
    /// </summary>
    public MlpBatchNormPlacement BatchNormPlacement { get; }

    /// <summary>Whether batch normalization follows the ReLU: dense (+ bias) -> ReLU -> batch norm.</summary>
    public bool HasBatchNormAfterActivation => BatchNormPlacement == MlpBatchNormPlacement.AfterActivation;

    private static void CheckArray(float[] array, long expectedLength, string name, string? shape)
    {
        if (array.Length != expectedLength)
            throw new ArgumentException(
                $"{name} has {array.Length} elements; expected {expectedLength}{(shape is null ? "" : $" ({shape})")}.", name);
        for (int i = 0; i < array.Length; i++)
            if (!float.IsFinite(array[i]))
                throw new ArgumentException($"{name}[{i}] is not finite ({array[i]}).", name);
    }
}
