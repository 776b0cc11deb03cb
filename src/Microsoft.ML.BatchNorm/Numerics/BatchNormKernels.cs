using System.Numerics.Tensors;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Batch normalization (Ioffe and Szegedy 2015, arXiv:1502.03167) on row-major mini-batches: x[i * d + j] is
/// feature j of row i. Training forward (Algorithm 1), backward through the batch statistics (section 3),
/// PyTorch-convention running statistics and the inference transform (Algorithm 2), each with an optional fused
/// ReLU. Static and free of shared mutable state, so safe to call from several threads on distinct outputs.
/// </summary>
/// <remarks>
/// Each activation is read as few times as the math allows: forward = one pass for the statistics plus one for
/// the output; backward = one pass for the two reductions plus one for dx. Per-feature statistics accumulate in
/// double (see <see cref="ColumnMoments"/>), so they stay accurate when |mean| is much larger than the spread.
/// Calls of at least <see cref="BatchNormLoops.ParallelThreshold"/> elements are split by rows over the cores.
/// Matrices must be exactly n * d long and vectors exactly d long. An output matrix may be the very same memory
/// as an input matrix (in place) but must not partly overlap it. If an exception is thrown, the outputs are left
/// untouched.
/// </remarks>
internal static unsafe partial class BatchNormKernels
{
    // Scratch of up to this many elements lives on the stack; larger comes from ArrayPool (no per-call garbage).
    private const int StackScratch = 1024;

    /// <summary>
    /// Training-mode forward, Algorithm 1: per feature j, mean_j and the biased variance var_j = mean of
    /// (x - mean_j)^2 over the n rows; invStd_j = 1 / sqrt(var_j + epsilon) (in double);
    /// y = gamma_j * (x - mean_j) * invStd_j + beta_j, then max(0, y) when <paramref name="applyRelu"/>.
    /// With n == 1 the variance is 0, so y = beta (no NaN; PyTorch refuses one row in training mode instead).
    /// The statistics are accumulated in double; y uses the double mean (not just its float rounding), so it is
    /// accurate to float precision even when |mean| is much larger than the standard deviation.
    /// </summary>
    /// <param name="x">Input, n x d.</param>
    /// <param name="n">Rows, &gt;= 1.</param>
    /// <param name="d">Features, &gt;= 1.</param>
    /// <param name="gamma">Scale, length d, finite.</param>
    /// <param name="beta">Shift, length d, finite.</param>
    /// <param name="epsilon">Added to the variance, finite and &gt; 0 (PyTorch's default is 1e-5).</param>
    /// <param name="applyRelu">Whether a ReLU follows (fused).</param>
    /// <param name="y">Output, n x d; may be the same memory as x.</param>
    /// <param name="batchMean">Output, length d.</param>
    /// <param name="batchVariance">Output, length d: the biased (divide by n) batch variance.</param>
    /// <param name="inverseStd">Output, length d: 1 / sqrt(batchVariance + epsilon).</param>
    /// <exception cref="ArgumentOutOfRangeException">n or d is below 1, n * d overflows, or epsilon is not a
    /// finite positive number.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, y partly overlaps x, or x (values that
    /// are non-finite or whose squares overflow), gamma or beta would make the output non-finite; the message
    /// names the feature.</exception>
    public static void ForwardTraining(ReadOnlySpan<float> x, int n, int d, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, float epsilon, bool applyRelu, Span<float> y, Span<float> batchMean,
        Span<float> batchVariance, Span<float> inverseStd)
    {
        int size = CheckShape(n, d);
        CheckLength(x.Length, size, nameof(x), "n * d");
        CheckLength(y.Length, size, nameof(y), "n * d");
        CheckLength(gamma.Length, d, nameof(gamma), "d");
        CheckLength(beta.Length, d, nameof(beta), "d");
        CheckLength(batchMean.Length, d, nameof(batchMean), "d");
        CheckLength(batchVariance.Length, d, nameof(batchVariance), "d");
        CheckLength(inverseStd.Length, d, nameof(inverseStd), "d");
        CheckEpsilon(epsilon);
        CheckNoPartialOverlap(x, y, nameof(x), nameof(y));

        int chunks = BatchNormLoops.ChunkCount(n, d);
        int momentsLength = 2 * d * chunks;
        using var moments = new ScratchSpan<double>(momentsLength <= StackScratch ? stackalloc double[momentsLength] : default, momentsLength);
        // mean, scale (gamma * invStd), shift and invStd as floats for the output pass and the outputs.
        using var scratch = new ScratchSpan<float>(4 * d <= StackScratch ? stackalloc float[4 * d] : default, 4 * d);
        Span<float> vectors = scratch.Span;
        fixed (float* px = x, py = y, pv = vectors)
        fixed (double* pm = moments.Span)
        {
            BatchMoments(px, n, d, chunks, pm);
            Span<float> mean = vectors[..d], scale = vectors[d..(2 * d)], shift = vectors[(2 * d)..(3 * d)];
            Span<float> inverse = vectors[(3 * d)..];
            // Check everything before writing any output.
            for (int j = 0; j < d; j++)
            {
                double mu = pm[j], variance = Math.Max(0.0, pm[d + j] / n);
                if (!double.IsFinite(mu) || !double.IsFinite(variance) || !float.IsFinite((float)variance))
                    throw new ArgumentException($"x has a non-finite value, or values too large for float statistics, in feature {j}.", nameof(x));
                double inv = 1.0 / Math.Sqrt(variance + epsilon), s = gamma[j] * inv;
                if (!float.IsFinite((float)s))
                    throw new ArgumentException($"gamma[{j}] = {gamma[j]} gives a non-finite scale.", nameof(gamma));
                if (!float.IsFinite(beta[j]))
                    throw new ArgumentException($"beta[{j}] = {beta[j]} is not finite.", nameof(beta));
                mean[j] = (float)mu;
                scale[j] = (float)s;
                inverse[j] = (float)inv;
                // y = (x - mean_f) * scale + beta - (mu - mean_f) * scale: the float rounding of the mean
                // (up to half an ulp of |mean|, large next to a small spread) is folded into the shift.
                shift[j] = (float)(beta[j] - (mu - mean[j]) * s);
            }
            mean.CopyTo(batchMean);
            inverse.CopyTo(inverseStd);
            for (int j = 0; j < d; j++)
                batchVariance[j] = (float)Math.Max(0.0, pm[d + j] / n);
            NormalizeParallel(px, py, n, d, pv, pv + d, pv + 2 * d, applyRelu, chunks);
        }
    }

    /// <summary>
    /// Backward through Algorithm 1 (section 3 of the paper), with g = dy (masked by y &gt; 0 when
    /// <paramref name="applyRelu"/>) and xhat = (x - mean) * invStd:
    /// dBeta_j = sum_i g_ij; dGamma_j = sum_i g_ij * xhat_ij;
    /// dx_ij = gamma_j * invStd_j * (g_ij - dBeta_j / n - xhat_ij * dGamma_j / n).
    /// </summary>
    /// <param name="x">The forward input, n x d.</param>
    /// <param name="y">The forward output after the ReLU (n x d) when <paramref name="applyRelu"/>: its sign is the
    /// ReLU mask. Ignored (may be empty) otherwise.</param>
    /// <param name="dy">Gradient of the loss w.r.t. the layer's output (after the ReLU when fused), n x d.</param>
    /// <param name="n">Rows, &gt;= 1.</param>
    /// <param name="d">Features, &gt;= 1.</param>
    /// <param name="gamma">Scale, length d.</param>
    /// <param name="batchMean">The forward's batch mean, length d. Its float rounding is measured from x
    /// (sum(x - batchMean) / n, in the same pass as the other sums) and taken out, so xhat is centred on the exact
    /// batch mean even when |mean| is much larger than the spread.</param>
    /// <param name="inverseStd">The forward's 1 / sqrt(var + epsilon), length d, finite and &gt; 0.</param>
    /// <param name="applyRelu">Whether the forward fused a ReLU.</param>
    /// <param name="dx">Output, n x d; may be the same memory as x, y or dy.</param>
    /// <param name="dGamma">Output, length d (overwritten, not accumulated).</param>
    /// <param name="dBeta">Output, length d (overwritten, not accumulated).</param>
    /// <exception cref="ArgumentOutOfRangeException">n or d is below 1, or n * d overflows.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, dx partly overlaps an input,
    /// inverseStd is not finite and positive, or a non-finite value in dy, x, gamma or batchMean would make a
    /// gradient non-finite; the message names the feature.</exception>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, int n, int d,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> batchMean, ReadOnlySpan<float> inverseStd, bool applyRelu,
        Span<float> dx, Span<float> dGamma, Span<float> dBeta)
    {
        CheckBackwardSpans(x, y, dy, n, d, gamma, batchMean, nameof(batchMean), inverseStd, applyRelu, dx, dGamma, dBeta);

        int chunks = BatchNormLoops.ChunkCount(n, d);
        int sumsLength = 3 * d * chunks;
        using var sums = new ScratchSpan<double>(sumsLength <= StackScratch ? stackalloc double[sumsLength] : default, sumsLength);
        using var k = new ScratchSpan<float>(4 * d <= StackScratch ? stackalloc float[4 * d] : default, 4 * d);
        fixed (float* px = x, py = y, pdy = dy, pdx = dx, pMean = batchMean, pk = k.Span)
        fixed (double* ps = sums.Span)
        {
            GradientSumsParallel(px, applyRelu ? py : null, pdy, n, d, pMean, applyRelu, chunks, ps);
            // dx = k1 * (g - dBeta / n) + k2 * (x - mean - r), with k1 = gamma * invStd and
            // k2 = -k1 * invStd * dGamma / n: the paper's dx with xhat expanded, one fused pass.
            // r = sum(x - mean) / n is what the float rounding of batchMean left of the exact mean: taking it
            // out keeps xhat (and so dGamma and dx) accurate when |mean| is large next to the spread.
            for (int j = 0; j < d; j++)
            {
                double invStd = inverseStd[j];
                if (!(invStd > 0) || !double.IsFinite(invStd))
                    throw new ArgumentException($"inverseStd[{j}] = {inverseStd[j]} is not a finite positive number.", nameof(inverseStd));
                double sumG = ps[j], residual = ps[2 * d + j] / n, gammaInvStd = gamma[j] * invStd;
                double dGammaJ = (ps[d + j] - residual * sumG) * invStd;
                double k1 = gammaInvStd, k2 = -gammaInvStd * invStd * dGammaJ / n, gMean = sumG / n;
                if (!float.IsFinite((float)sumG) || !float.IsFinite((float)dGammaJ) || !float.IsFinite((float)k1)
                    || !float.IsFinite((float)k2) || !double.IsFinite(residual))
                    throw new ArgumentException($"The gradients of feature {j} are not finite: dy, x, gamma or batchMean has a non-finite (or overflowing) value there.", nameof(dy));
                pk[j] = (float)k1;
                pk[d + j] = (float)k2;
                pk[2 * d + j] = (float)gMean;
                pk[3 * d + j] = (float)residual;
            }
            for (int j = 0; j < d; j++)
            {
                dBeta[j] = (float)ps[j];
                dGamma[j] = (float)((ps[d + j] - ps[2 * d + j] / n * ps[j]) * inverseStd[j]);
            }
            InputGradientParallel(px, applyRelu ? py : null, pdy, n, d, pMean, pk, applyRelu, chunks, pdx);
        }
    }

    /// <summary>
    /// PyTorch's running statistics: running = (1 - momentum) * running + momentum * batch, where the variance
    /// fed in is the unbiased one, batchVariance * n / (n - 1). Computed in double, stored as float.
    /// </summary>
    /// <param name="runningMean">Updated in place, length d.</param>
    /// <param name="runningVariance">Updated in place, length d.</param>
    /// <param name="batchMean">Length d.</param>
    /// <param name="batchVariance">The biased batch variance from <see cref="ForwardTraining"/>, length d,
    /// finite and &gt;= 0.</param>
    /// <param name="n">Rows of the batch, &gt;= 2: one row has no unbiased variance.</param>
    /// <param name="momentum">In [0, 1]; PyTorch's default is 0.1 (Keras/ONNX's 0.9 is 1 - this).</param>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 2, or momentum outside [0, 1] or NaN.</exception>
    /// <exception cref="ArgumentException">The spans' lengths differ or are 0, or batchMean / batchVariance has a
    /// non-finite or (variance) negative value.</exception>
    public static void UpdateRunningStatistics(Span<float> runningMean, Span<float> runningVariance,
        ReadOnlySpan<float> batchMean, ReadOnlySpan<float> batchVariance, int n, float momentum)
    {
        int d = runningMean.Length;
        if (d == 0) throw new ArgumentException("The statistics have length 0.", nameof(runningMean));
        CheckLength(runningVariance.Length, d, nameof(runningVariance), "runningMean.Length");
        CheckLength(batchMean.Length, d, nameof(batchMean), "runningMean.Length");
        CheckLength(batchVariance.Length, d, nameof(batchVariance), "runningMean.Length");
        if (n < 2)
            throw new ArgumentOutOfRangeException(nameof(n), n, "The unbiased variance needs at least 2 rows (PyTorch also refuses training-mode batch norm on 1 row).");
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1] (PyTorch convention: weight of the batch statistics).");
        for (int j = 0; j < d; j++)
        {
            if (!float.IsFinite(batchMean[j]))
                throw new ArgumentException($"batchMean[{j}] = {batchMean[j]} is not finite.", nameof(batchMean));
            if (!(batchVariance[j] >= 0) || !float.IsFinite(batchVariance[j]))
                throw new ArgumentException($"batchVariance[{j}] = {batchVariance[j]} is not a finite non-negative number.", nameof(batchVariance));
        }
        double keep = 1.0 - momentum, correction = n / (n - 1.0);
        for (int j = 0; j < d; j++)
        {
            runningMean[j] = (float)(keep * runningMean[j] + momentum * (double)batchMean[j]);
            runningVariance[j] = (float)(keep * runningVariance[j] + momentum * (batchVariance[j] * correction));
        }
    }

    /// <summary>
    /// Algorithm 2's per-feature factor: scale_j = gamma_j / sqrt(variance_j + epsilon), computed in double.
    /// </summary>
    /// <param name="variance">Length d, finite and &gt;= 0 (typically the running variance).</param>
    /// <param name="gamma">Length d.</param>
    /// <param name="epsilon">Finite and &gt; 0.</param>
    /// <param name="scale">Output, length d.</param>
    /// <exception cref="ArgumentOutOfRangeException">epsilon is not a finite positive number.</exception>
    /// <exception cref="ArgumentException">The lengths differ or are 0, a variance is negative or non-finite, or
    /// a gamma makes the scale non-finite.</exception>
    public static void ComputeScale(ReadOnlySpan<float> variance, ReadOnlySpan<float> gamma, float epsilon,
        Span<float> scale)
    {
        int d = variance.Length;
        if (d == 0) throw new ArgumentException("The variance has length 0.", nameof(variance));
        CheckLength(gamma.Length, d, nameof(gamma), "variance.Length");
        CheckLength(scale.Length, d, nameof(scale), "variance.Length");
        CheckEpsilon(epsilon);
        for (int j = 0; j < d; j++)
        {
            if (!(variance[j] >= 0) || !float.IsFinite(variance[j]))
                throw new ArgumentException($"variance[{j}] = {variance[j]} is not a finite non-negative number.", nameof(variance));
            if (!float.IsFinite((float)(gamma[j] / Math.Sqrt(variance[j] + (double)epsilon))))
                throw new ArgumentException($"gamma[{j}] = {gamma[j]} gives a non-finite scale.", nameof(gamma));
        }
        for (int j = 0; j < d; j++)
            scale[j] = (float)(gamma[j] / Math.Sqrt(variance[j] + (double)epsilon));
    }

    /// <summary>
    /// Algorithm 2 with statistics kept in double, turned into the float parameters of <see cref="Normalize"/> so that
    /// nothing of a large mean is lost: with a_j = gamma_j / sqrt(variance_j + epsilon) (double),
    /// <c>meanHigh_j = (float)mean_j</c>, <c>scale_j = (float)a_j</c> and
    /// <c>shift_j = (float)(beta_j - scale_j * (mean_j - meanHigh_j))</c>, <see cref="Normalize"/> computes
    /// <c>scale * (x - meanHigh) + shift</c>, the map <c>scale_j * (x - mean_j) + beta_j</c>. x - meanHigh is exact
    /// for x within a factor of 2 of meanHigh (Sterbenz), and |mean - meanHigh| &lt;= |x - mean| for every float x,
    /// so each output is within 6 u (|beta| + |a| |x - mean|) of the float64 value (u = 2^-24): two roundings of
    /// x - meanHigh and of a, one of the shift and one of the fused multiply-add.
    /// </summary>
    /// <param name="mean">Length d, finite.</param>
    /// <param name="variance">Length d, finite and &gt;= 0.</param>
    /// <param name="gamma">Length d, finite.</param>
    /// <param name="beta">Length d, finite.</param>
    /// <param name="epsilon">Finite and &gt; 0.</param>
    /// <param name="meanHigh">Output, length d: the mean rounded to float.</param>
    /// <param name="scale">Output, length d: gamma / sqrt(variance + epsilon) rounded to float.</param>
    /// <param name="shift">Output, length d: beta minus the scaled rest of the mean.</param>
    /// <exception cref="ArgumentOutOfRangeException">epsilon is not a finite positive number.</exception>
    /// <exception cref="ArgumentException">The lengths differ or are 0, a mean, gamma or beta is not finite, a
    /// variance is negative or not finite, or the scale or shift is not finite in float; the message names the slot.</exception>
    public static void ComputeInferenceParameters(ReadOnlySpan<double> mean, ReadOnlySpan<double> variance,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, Span<float> meanHigh, Span<float> scale,
        Span<float> shift)
    {
        int d = mean.Length;
        if (d == 0) throw new ArgumentException("The mean has length 0.", nameof(mean));
        CheckLength(variance.Length, d, nameof(variance), "mean.Length");
        CheckLength(gamma.Length, d, nameof(gamma), "mean.Length");
        CheckLength(beta.Length, d, nameof(beta), "mean.Length");
        CheckLength(meanHigh.Length, d, nameof(meanHigh), "mean.Length");
        CheckLength(scale.Length, d, nameof(scale), "mean.Length");
        CheckLength(shift.Length, d, nameof(shift), "mean.Length");
        CheckEpsilon(epsilon);
        for (int j = 0; j < d; j++)
        {
            if (!double.IsFinite(mean[j]) || !float.IsFinite((float)mean[j]))
                throw new ArgumentException($"mean[{j}] = {mean[j]} is not finite in float.", nameof(mean));
            if (!(variance[j] >= 0) || !double.IsFinite(variance[j]))
                throw new ArgumentException($"variance[{j}] = {variance[j]} is not a finite non-negative number.", nameof(variance));
            if (!float.IsFinite(beta[j]))
                throw new ArgumentException($"beta[{j}] = {beta[j]} is not finite.", nameof(beta));
            Split(mean[j], variance[j], gamma[j], beta[j], epsilon, out float high, out float s, out float c);
            if (!float.IsFinite(s))
                throw new ArgumentException($"gamma[{j}] = {gamma[j]} gives a non-finite scale.", nameof(gamma));
            if (!float.IsFinite(c))
                throw new ArgumentException($"The shift of slot {j} (beta {beta[j]} minus the scaled rest of mean {mean[j]}) is not finite.", nameof(beta));
        }
        for (int j = 0; j < d; j++)
            Split(mean[j], variance[j], gamma[j], beta[j], epsilon, out meanHigh[j], out scale[j], out shift[j]);
    }

    private static void Split(double mean, double variance, float gamma, float beta, float epsilon, out float meanHigh,
        out float scale, out float shift)
    {
        meanHigh = (float)mean;
        scale = (float)(gamma / Math.Sqrt(variance + epsilon));
        // mean - meanHigh is exact in double (both are doubles within half a float step of each other).
        shift = (float)(beta - scale * (mean - meanHigh));
    }

    /// <summary>
    /// Algorithm 2 (inference) and the transform: y = (x - mean_j) * scale_j + beta_j for n rows of d, then
    /// max(0, y) when <paramref name="applyRelu"/>. Subtracting the mean first keeps float precision when the
    /// mean is large compared with the spread. A non-finite x gives a non-finite y in that slot (missing values
    /// stay missing; the ReLU keeps NaN).
    /// </summary>
    /// <param name="x">Input, n x d.</param>
    /// <param name="n">Rows, &gt;= 1.</param>
    /// <param name="d">Features, &gt;= 1.</param>
    /// <param name="mean">Length d, finite.</param>
    /// <param name="scale">Length d, finite (see <see cref="ComputeScale"/>).</param>
    /// <param name="beta">Length d, finite.</param>
    /// <param name="applyRelu">Whether a ReLU follows (fused).</param>
    /// <param name="y">Output, n x d; may be the same memory as x.</param>
    /// <exception cref="ArgumentOutOfRangeException">n or d is below 1, or n * d overflows.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, y partly overlaps x, or mean, scale or
    /// beta has a non-finite value.</exception>
    public static void Normalize(ReadOnlySpan<float> x, int n, int d, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> beta, bool applyRelu, Span<float> y)
    {
        int size = CheckShape(n, d);
        CheckLength(x.Length, size, nameof(x), "n * d");
        CheckLength(y.Length, size, nameof(y), "n * d");
        CheckLength(mean.Length, d, nameof(mean), "d");
        CheckLength(scale.Length, d, nameof(scale), "d");
        CheckLength(beta.Length, d, nameof(beta), "d");
        CheckNoPartialOverlap(x, y, nameof(x), nameof(y));
        CheckFinite(mean, nameof(mean));
        CheckFinite(scale, nameof(scale));
        CheckFinite(beta, nameof(beta));
        fixed (float* px = x, py = y, pMean = mean, pScale = scale, pBeta = beta)
            NormalizeParallel(px, py, n, d, pMean, pScale, pBeta, applyRelu, BatchNormLoops.ChunkCount(n, d));
    }

    // Per-chunk (mean, M2) at moments[2 d c ..], merged into chunk 0 (moments[0 .. 2d)) with Chan's formula.
    private static void BatchMoments(float* x, int n, int d, int chunks, double* moments)
    {
        if (chunks == 1)
        {
            ColumnMoments.Compute(x, n, d, moments, moments + d);
            return;
        }
        ComputeChunkMoments(x, n, d, chunks, moments);
        BatchNormLoops.ChunkRows(n, chunks, 0, out _, out int firstRows);
        for (int j = 0; j < d; j++)
        {
            double count = firstRows;
            for (int c = 1; c < chunks; c++)
            {
                BatchNormLoops.ChunkRows(n, chunks, c, out _, out int rows);
                double* m = moments + 2L * d * c;
                ColumnMoments.Merge(ref count, ref moments[j], ref moments[d + j], rows, m[j], m[d + j]);
            }
        }
    }

    private static void NormalizeParallel(float* x, float* y, int n, int d, float* mean, float* scale, float* beta,
        bool relu, int chunks)
    {
        if (chunks == 1)
        {
            NormalizeRows(x, y, n, d, mean, scale, beta, relu);
            return;
        }
        NormalizeChunks(x, y, n, d, mean, scale, beta, relu, chunks);
    }

    // The Parallel.For calls live in methods of their own: a lambda's captured parameters make the compiler allocate
    // a closure at the top of the method that declares it, which would cost every single-threaded (small) call too.
    private static void ComputeChunkMoments(float* x, int n, int d, int chunks, double* moments) =>
        Parallel.For(0, chunks, c =>
        {
            BatchNormLoops.ChunkRows(n, chunks, c, out int start, out int rows);
            double* m = moments + 2L * d * c;
            ColumnMoments.Compute(x + (long)start * d, rows, d, m, m + d);
        });

    private static void NormalizeChunks(float* x, float* y, int n, int d, float* mean, float* scale, float* beta,
        bool relu, int chunks) =>
        Parallel.For(0, chunks, c =>
        {
            BatchNormLoops.ChunkRows(n, chunks, c, out int start, out int rows);
            long offset = (long)start * d;
            NormalizeRows(x + offset, y + offset, rows, d, mean, scale, beta, relu);
        });

    private static void NormalizeRows(float* x, float* y, int rows, int d, float* mean, float* scale, float* beta,
        bool relu)
    {
        if (relu) BatchNormLoops.NormalizeRows<BatchNormLoops.Relu>(x, y, rows, d, mean, scale, beta);
        else BatchNormLoops.NormalizeRows<BatchNormLoops.Identity>(x, y, rows, d, mean, scale, beta);
    }

    // Per-chunk sums at sums[3 d c ..] (sum g, sum g (x - mean), sum (x - mean)), added into chunk 0.
    private static void GradientSumsParallel(float* x, float* y, float* dy, int n, int d, float* mean, bool relu,
        int chunks, double* sums)
    {
        if (chunks == 1)
        {
            GradientSums(x, y, dy, n, d, mean, relu, sums);
            return;
        }
        GradientSumChunks(x, y, dy, n, d, mean, relu, chunks, sums);
        for (int c = 1; c < chunks; c++)
        {
            double* s = sums + 3L * d * c;
            for (int j = 0; j < 3 * d; j++) sums[j] += s[j];
        }
    }

    private static void GradientSumChunks(float* x, float* y, float* dy, int n, int d, float* mean, bool relu,
        int chunks, double* sums) =>
        Parallel.For(0, chunks, c =>
        {
            BatchNormLoops.ChunkRows(n, chunks, c, out int start, out int rows);
            long offset = (long)start * d;
            GradientSums(x + offset, relu ? y + offset : null, dy + offset, rows, d, mean, relu, sums + 3L * d * c);
        });

    private static void GradientSums(float* x, float* y, float* dy, int rows, int d, float* mean, bool relu,
        double* sums)
    {
        if (relu) BatchNormLoops.GradientSums<BatchNormLoops.Relu>(x, y, dy, rows, d, mean, sums, sums + d, sums + 2 * d);
        else BatchNormLoops.GradientSums<BatchNormLoops.Identity>(x, y, dy, rows, d, mean, sums, sums + d, sums + 2 * d);
    }

    // k holds k1, k2, the mean of g and the mean's residual (length d each) back to back.
    private static void InputGradientParallel(float* x, float* y, float* dy, int n, int d, float* mean, float* k,
        bool relu, int chunks, float* dx)
    {
        if (chunks == 1)
        {
            InputGradient(x, y, dy, n, d, mean, k, relu, dx);
            return;
        }
        InputGradientChunks(x, y, dy, n, d, mean, k, relu, chunks, dx);
    }

    private static void InputGradientChunks(float* x, float* y, float* dy, int n, int d, float* mean, float* k,
        bool relu, int chunks, float* dx) =>
        Parallel.For(0, chunks, c =>
        {
            BatchNormLoops.ChunkRows(n, chunks, c, out int start, out int rows);
            long offset = (long)start * d;
            InputGradient(x + offset, relu ? y + offset : null, dy + offset, rows, d, mean, k, relu, dx + offset);
        });

    private static void InputGradient(float* x, float* y, float* dy, int rows, int d, float* mean, float* k,
        bool relu, float* dx)
    {
        if (relu) BatchNormLoops.InputGradient<BatchNormLoops.Relu>(x, y, dy, rows, d, mean, k, k + d, k + 2 * d, k + 3 * d, dx);
        else BatchNormLoops.InputGradient<BatchNormLoops.Identity>(x, y, dy, rows, d, mean, k, k + d, k + 2 * d, k + 3 * d, dx);
    }

    private static int CheckShape(int n, int d)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "The batch needs at least one row.");
        if (d < 1) throw new ArgumentOutOfRangeException(nameof(d), d, "There must be at least one feature.");
        long size = (long)n * d;
        if (size > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(n), n, $"n * d = {size} exceeds the largest span length.");
        return (int)size;
    }

    private static void CheckLength(int actual, int expected, string name, string what)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} has length {actual}; expected {what} = {expected}.", name);
    }

    private static void CheckEpsilon(float epsilon)
    {
        if (!(epsilon > 0) || !float.IsFinite(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be a finite number > 0.");
    }

    private static void CheckNoPartialOverlap(ReadOnlySpan<float> input, ReadOnlySpan<float> output, string inputName,
        string outputName)
    {
        if (input.Overlaps(output, out int offset) && offset != 0)
            throw new ArgumentException($"{outputName} partly overlaps {inputName}: they must be the same memory or disjoint.", outputName);
    }

    private static void CheckFinite(ReadOnlySpan<float> values, string name)
    {
        // A non-finite element makes the (vectorized) sum non-finite; only then look for it (the sum may overflow).
        if (float.IsFinite(TensorPrimitives.Sum(values)))
            return;
        for (int j = 0; j < values.Length; j++)
            if (!float.IsFinite(values[j]))
                throw new ArgumentException($"{name}[{j}] = {values[j]} is not finite.", name);
    }

    // The span checks shared by Backward and BackwardFrozen (mean is the batch or the running mean, named meanName).
    private static void CheckBackwardSpans(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, int n, int d,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean, string meanName, ReadOnlySpan<float> inverseStd, bool applyRelu,
        Span<float> dx, Span<float> dGamma, Span<float> dBeta)
    {
        int size = CheckShape(n, d);
        CheckLength(x.Length, size, nameof(x), "n * d");
        if (applyRelu) CheckLength(y.Length, size, nameof(y), "n * d (the ReLU output is the mask)");
        CheckLength(dy.Length, size, nameof(dy), "n * d");
        CheckLength(dx.Length, size, nameof(dx), "n * d");
        CheckLength(gamma.Length, d, nameof(gamma), "d");
        CheckLength(mean.Length, d, meanName, "d");
        CheckLength(inverseStd.Length, d, nameof(inverseStd), "d");
        CheckLength(dGamma.Length, d, nameof(dGamma), "d");
        CheckLength(dBeta.Length, d, nameof(dBeta), "d");
        CheckNoPartialOverlap(x, dx, nameof(x), nameof(dx));
        CheckNoPartialOverlap(dy, dx, nameof(dy), nameof(dx));
        if (applyRelu) CheckNoPartialOverlap(y, dx, nameof(y), nameof(dx));
    }
}
