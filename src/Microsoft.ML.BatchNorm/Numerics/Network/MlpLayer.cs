namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// One layer of an <see cref="MlpNetwork"/>: dense (y = x W^T (+ b)), optionally batch normalization (Ioffe and
/// Szegedy 2015; learned gamma/beta and running statistics), optionally ReLU. The arrays are the live parameters:
/// training updates them in place.
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
    /// <param name="hasRelu">Whether ReLU follows (after batch normalization when present).</param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1, or the epsilon is not finite and positive.</exception>
    /// <exception cref="ArgumentException">
    /// An array has the wrong length, holds a non-finite value (or a negative variance), the batch-norm arrays are
    /// only partly given, or there is neither a bias nor batch normalization.
    /// </exception>
    public MlpLayer(int inputSize, int outputSize, float[] weights, float[]? bias, float[]? gamma, float[]? beta,
        float[]? runningMean, float[]? runningVariance, float batchNormEpsilon, bool hasRelu)
    {
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
    }

    /// <summary>Inputs per row.</summary>
    public int InputSize { get; }

    /// <summary>Outputs per row.</summary>
    public int OutputSize { get; }

    /// <summary>Dense weights, <see cref="OutputSize"/> x <see cref="InputSize"/>, row-major.</summary>
    public float[] Weights { get; }

    /// <summary>Dense bias (length <see cref="OutputSize"/>), or null (layers followed by batch normalization).</summary>
    public float[]? Bias { get; }

    /// <summary>Batch-norm scale gamma (length <see cref="OutputSize"/>), or null without batch normalization.</summary>
    public float[]? Gamma { get; }

    /// <summary>Batch-norm shift beta, or null without batch normalization.</summary>
    public float[]? Beta { get; }

    /// <summary>Running mean of the dense outputs (inference statistics), or null without batch normalization.</summary>
    public float[]? RunningMean { get; }

    /// <summary>Running unbiased variance of the dense outputs, or null without batch normalization.</summary>
    public float[]? RunningVariance { get; }

    /// <summary>Epsilon added to the variance (0 without batch normalization).</summary>
    public float BatchNormEpsilon { get; }

    /// <summary>Whether batch normalization follows the dense layer.</summary>
    public bool HasBatchNorm => Gamma is not null;

    /// <summary>Whether ReLU is applied last.</summary>
    public bool HasRelu { get; }

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
