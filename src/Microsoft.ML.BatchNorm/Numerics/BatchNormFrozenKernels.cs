namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Batch normalization with frozen statistics, for fine-tuning: in training mode the layer normalizes with its
/// running statistics, as at inference (Ioffe and Szegedy 2015, Algorithm 2, step 11), so it is a fixed affine map
/// y = gamma * (x - runningMean) / sqrt(runningVariance + epsilon) + beta in the forward and the backward pass alike.
/// This is what PyTorch does to a <c>BatchNorm1d</c> in <c>eval()</c> mode while the rest of the network trains, and
/// what Keras does to a <c>BatchNormalization</c> layer with <c>trainable = False</c> (since TensorFlow 2.0 it then
/// runs in inference mode).
/// </summary>
internal static unsafe partial class BatchNormKernels
{
    /// <summary>
    /// Training-mode forward with frozen statistics: invStd_j = 1 / sqrt(runningVariance_j + epsilon) (in double),
    /// y = gamma_j * (x - runningMean_j) * invStd_j + beta_j (the scale gamma * invStd rounded to float once, as
    /// <see cref="ComputeScale"/> does), then max(0, y) when <paramref name="applyRelu"/>. The running statistics
    /// are read, never written. The mini-batch's own statistics are still measured (the same reduction as
    /// <see cref="ForwardTraining"/>) and written to <paramref name="batchMean"/> and <paramref name="batchVariance"/>
    /// for diagnostics; they do not enter y.
    /// </summary>
    /// <param name="x">Input, n x d.</param>
    /// <param name="n">Rows, &gt;= 1.</param>
    /// <param name="d">Features, &gt;= 1.</param>
    /// <param name="gamma">Scale, length d, finite.</param>
    /// <param name="beta">Shift, length d, finite.</param>
    /// <param name="runningMean">The frozen mean, length d, finite.</param>
    /// <param name="runningVariance">The frozen variance, length d, finite and &gt;= 0.</param>
    /// <param name="epsilon">Added to the variance, finite and &gt; 0.</param>
    /// <param name="applyRelu">Whether a ReLU follows (fused).</param>
    /// <param name="y">Output, n x d; may be the same memory as x.</param>
    /// <param name="batchMean">Output, length d: the mini-batch mean of x (diagnostic only).</param>
    /// <param name="batchVariance">Output, length d: the biased mini-batch variance of x (diagnostic only).</param>
    /// <param name="inverseStd">Output, length d: 1 / sqrt(runningVariance + epsilon), for <see cref="BackwardFrozen"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">n or d is below 1, n * d overflows, or epsilon is not a
    /// finite positive number.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, y partly overlaps x, x has a non-finite value
    /// (or values whose squares overflow), or a running statistic, gamma or beta is not finite (a variance is
    /// negative); the message names the feature. The outputs are then untouched.</exception>
    public static void ForwardFrozen(ReadOnlySpan<float> x, int n, int d, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, float epsilon,
        bool applyRelu, Span<float> y, Span<float> batchMean, Span<float> batchVariance, Span<float> inverseStd)
    {
        int size = CheckShape(n, d);
        CheckLength(x.Length, size, nameof(x), "n * d");
        CheckLength(y.Length, size, nameof(y), "n * d");
        CheckLength(gamma.Length, d, nameof(gamma), "d");
        CheckLength(beta.Length, d, nameof(beta), "d");
        CheckLength(runningMean.Length, d, nameof(runningMean), "d");
        CheckLength(runningVariance.Length, d, nameof(runningVariance), "d");
        CheckLength(batchMean.Length, d, nameof(batchMean), "d");
        CheckLength(batchVariance.Length, d, nameof(batchVariance), "d");
        CheckLength(inverseStd.Length, d, nameof(inverseStd), "d");
        CheckEpsilon(epsilon);
        CheckNoPartialOverlap(x, y, nameof(x), nameof(y));

        int chunks = BatchNormLoops.ChunkCount(n, d);
        int momentsLength = 2 * d * chunks;
        using var moments = new ScratchSpan<double>(momentsLength <= StackScratch ? stackalloc double[momentsLength] : default, momentsLength);
        // scale (gamma * invStd) and invStd as floats.
        using var scratch = new ScratchSpan<float>(2 * d <= StackScratch ? stackalloc float[2 * d] : default, 2 * d);
        Span<float> scale = scratch.Span[..d], inverse = scratch.Span[d..];
        fixed (float* px = x, py = y, pScale = scale, pMean = runningMean, pBeta = beta)
        fixed (double* pm = moments.Span)
        {
            BatchMoments(px, n, d, chunks, pm);
            // Check everything before writing any output.
            for (int j = 0; j < d; j++)
            {
                double mu = pm[j], variance = Math.Max(0.0, pm[d + j] / n);
                if (!double.IsFinite(mu) || !double.IsFinite(variance) || !float.IsFinite((float)variance))
                    throw new ArgumentException($"x has a non-finite value, or values too large for float statistics, in feature {j}.", nameof(x));
                if (!float.IsFinite(runningMean[j]))
                    throw new ArgumentException($"runningMean[{j}] = {runningMean[j]} is not finite.", nameof(runningMean));
                if (!(runningVariance[j] >= 0) || !float.IsFinite(runningVariance[j]))
                    throw new ArgumentException($"runningVariance[{j}] = {runningVariance[j]} is not a finite non-negative number.", nameof(runningVariance));
                double inv = 1.0 / Math.Sqrt(runningVariance[j] + (double)epsilon), s = gamma[j] * inv;
                if (!float.IsFinite((float)s))
                    throw new ArgumentException($"gamma[{j}] = {gamma[j]} gives a non-finite scale.", nameof(gamma));
                if (!float.IsFinite(beta[j]))
                    throw new ArgumentException($"beta[{j}] = {beta[j]} is not finite.", nameof(beta));
                scale[j] = (float)s;
                inverse[j] = (float)inv;
            }
            for (int j = 0; j < d; j++)
            {
                batchMean[j] = (float)pm[j];
                batchVariance[j] = (float)Math.Max(0.0, pm[d + j] / n);
            }
            inverse.CopyTo(inverseStd);
            NormalizeParallel(px, py, n, d, pMean, pScale, pBeta, applyRelu, chunks);
        }
    }

    /// <summary>
    /// Backward through the fixed affine map of <see cref="ForwardFrozen"/>: the statistics are constants, so with
    /// g = dy (masked by y &gt; 0 when <paramref name="applyRelu"/>) and xhat = (x - runningMean) * invStd,
    /// dBeta_j = sum_i g_ij, dGamma_j = sum_i g_ij * xhat_ij and dx_ij = gamma_j * invStd_j * g_ij (no terms through
    /// the batch mean and variance, unlike <see cref="Backward"/>).
    /// </summary>
    /// <param name="x">The forward input, n x d.</param>
    /// <param name="y">The forward output after the ReLU (n x d) when <paramref name="applyRelu"/>: its sign is the
    /// ReLU mask. Ignored (may be empty) otherwise.</param>
    /// <param name="dy">Gradient of the loss w.r.t. the layer's output (after the ReLU when fused), n x d.</param>
    /// <param name="n">Rows, &gt;= 1.</param>
    /// <param name="d">Features, &gt;= 1.</param>
    /// <param name="gamma">Scale, length d.</param>
    /// <param name="runningMean">The frozen mean the forward used, length d.</param>
    /// <param name="inverseStd">The forward's 1 / sqrt(runningVariance + epsilon), length d, finite and &gt; 0.</param>
    /// <param name="applyRelu">Whether the forward fused a ReLU.</param>
    /// <param name="dx">Output, n x d; may be the same memory as x, y or dy.</param>
    /// <param name="dGamma">Output, length d (overwritten, not accumulated).</param>
    /// <param name="dBeta">Output, length d (overwritten, not accumulated).</param>
    /// <exception cref="ArgumentOutOfRangeException">n or d is below 1, or n * d overflows.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, dx partly overlaps an input, inverseStd is
    /// not finite and positive, or a non-finite value in dy, x or gamma would make a gradient non-finite; the message
    /// names the feature.</exception>
    public static void BackwardFrozen(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, int n, int d,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> inverseStd, bool applyRelu,
        Span<float> dx, Span<float> dGamma, Span<float> dBeta)
    {
        CheckBackwardSpans(x, y, dy, n, d, gamma, runningMean, nameof(runningMean), inverseStd, applyRelu, dx, dGamma, dBeta);

        int chunks = BatchNormLoops.ChunkCount(n, d);
        int sumsLength = 3 * d * chunks;
        using var sums = new ScratchSpan<double>(sumsLength <= StackScratch ? stackalloc double[sumsLength] : default, sumsLength);
        // The input-gradient loop's coefficients: k1 = gamma * invStd, and k2, the mean of g and the residual all 0,
        // which reduces its dx = k1 * (g - gMean) + k2 * (x - mean - residual) to k1 * g.
        using var k = new ScratchSpan<float>(4 * d <= StackScratch ? stackalloc float[4 * d] : default, 4 * d);
        fixed (float* px = x, py = y, pdy = dy, pdx = dx, pMean = runningMean, pk = k.Span)
        fixed (double* ps = sums.Span)
        {
            GradientSumsParallel(px, applyRelu ? py : null, pdy, n, d, pMean, applyRelu, chunks, ps);
            k.Span.Clear();
            for (int j = 0; j < d; j++)
            {
                double invStd = inverseStd[j];
                if (!(invStd > 0) || !double.IsFinite(invStd))
                    throw new ArgumentException($"inverseStd[{j}] = {inverseStd[j]} is not a finite positive number.", nameof(inverseStd));
                double sumG = ps[j], dGammaJ = ps[d + j] * invStd, k1 = gamma[j] * invStd;
                if (!float.IsFinite((float)sumG) || !float.IsFinite((float)dGammaJ) || !float.IsFinite((float)k1)
                    || !double.IsFinite(ps[2 * d + j]))
                    throw new ArgumentException($"The gradients of feature {j} are not finite: dy, x or gamma has a non-finite (or overflowing) value there.", nameof(dy));
                pk[j] = (float)k1;
            }
            for (int j = 0; j < d; j++)
            {
                dBeta[j] = (float)ps[j];
                dGamma[j] = (float)(ps[d + j] * inverseStd[j]);
            }
            InputGradientParallel(px, applyRelu ? py : null, pdy, n, d, pMean, pk, applyRelu, chunks, pdx);
        }
    }
}
