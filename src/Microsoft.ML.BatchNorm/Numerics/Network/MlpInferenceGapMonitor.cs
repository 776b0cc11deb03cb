namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Measures the train/inference gap of batch normalization once per epoch (<see cref="MlpInferenceGap"/>). A network
/// with batch normalization is trained with each mini-batch's statistics but scores with running averages; when the
/// running averages lag behind the network (a momentum too small for the number of steps, in PyTorch's convention, or
/// Keras' momentum too close to 1), or when small mini-batches give statistics far from the population's, the model
/// that is saved is not the one whose training loss was watched. Ioffe and Szegedy (2015, arXiv:1502.03167) section
/// 3.1 define the two modes; Ioffe (2017, arXiv:1702.03275) section 2 names this mismatch as the reason for Batch
/// Renormalization.
/// </summary>
/// <remarks>
/// <para>The sample is fixed when training starts: S = min(rowCount, max(sampleRows, batchSize)) training rows drawn
/// without replacement, in a random order, by a <see cref="Random"/> of its own (seeded from the training seed), so the
/// training's shuffles and results are the same with and without the diagnostic. Each epoch it costs two forward
/// passes over S rows (about 2 S / (3 rowCount) of an epoch, counting its forward and backward passes as three forwards:
/// 1 % for 1024 of Fashion-MNIST's 60000 rows) and
/// allocates only the reported record.</para>
/// <para>The distance of a batch-norm layer with d units, between the statistics (mu_B, sigma2_B, biased: what training
/// normalizes with) of a mini-batch and the running ones (mu_R, v_R), is the root mean square over the units of two
/// scale-free terms: D = sqrt(1/d sum_j (s_j^2 + t_j^2)), with the mean shift s_j = (mu_B,j - mu_R,j) /
/// sqrt(v_R,j + epsilon) and the log scale ratio t_j = ln((sigma2_B,j + epsilon) / (v_R,j + epsilon)) / 2. Inference
/// normalizes a pre-activation z to (z - mu_R) / sqrt(v_R + eps) = r xhat_B + s, where xhat_B is training's
/// normalization and r = exp(t): s is the offset and t the log of the scale that inference adds to what training
/// saw, in units of the normalized activation. D = 0 when they agree. When the running statistics are the
/// population's and the pre-activations Gaussian, a mini-batch of m rows alone gives E[s^2] = 1/m and E[t^2] about
/// 1/(2 (m - 1)), so D of about sqrt(1.5 / m) is sampling noise (0.22 at m = 32; at m = 4 the log term's bias raises
/// it to 0.77, by simulation); heavier tails than the Gaussian's raise it too. Values well above it mean the running
/// statistics have not caught up with the network. The mini-batch is the epoch's last one of at least the batch size
/// (<see cref="DistanceBatch"/>), the running statistics those before it.</para>
/// </remarks>
internal sealed class MlpInferenceGapMonitor
{
    /// <summary>Default size of the sample (<see cref="MlpTrainingSettings.InferenceGapSampleRows"/>).</summary>
    public const int DefaultSampleRows = 1024;

    /// <summary>Rows per inference call over the sample.</summary>
    private const int InferenceChunkRows = 512;

    private readonly MlpTrainingPass _pass;
    private readonly MlpLoss _loss;
    private readonly int _featureCount, _outputCount;
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly float[] _targets;
    private readonly MiniBatchPlan _plan;
    private readonly MlpInference _inference;
    private readonly float[] _logits;
    private readonly int[] _batchNormLayers;
    private readonly float[][] _runningMeans, _runningVariances;   // before the epoch's distance mini-batch
    private readonly float[][] _batchMeans, _batchVariances;       // of that mini-batch

    /// <summary>
    /// Draws the sample and allocates everything the measurements need. <paramref name="pass"/> must hold mini-batches
    /// of <see cref="RequiredBatchRows"/> rows.
    /// </summary>
    /// <param name="pass">The training pass of the network (its workspace is reused for the training-mode pass).</param>
    /// <param name="loss">The training loss.</param>
    /// <param name="features">rowCount x featureCount training features.</param>
    /// <param name="labels">Class labels (classification), or empty.</param>
    /// <param name="targets">rowCount x outputCount regression targets, or empty.</param>
    /// <param name="rowCount">Training rows (&gt;= 2).</param>
    /// <param name="sampleRows">The sample's size, from <see cref="SampleSize"/> (&gt;= 2).</param>
    /// <param name="batchSize">The training batch size.</param>
    /// <param name="seed">The training seed.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range, or the pass is too small.</exception>
    public MlpInferenceGapMonitor(MlpTrainingPass pass, MlpLoss loss, float[] features, int[] labels, float[] targets,
        int rowCount, int sampleRows, int batchSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRows, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sampleRows, rowCount);
        _pass = pass;
        _loss = loss;
        _featureCount = pass.Network.InputSize;
        _outputCount = pass.Network.ClassCount;
        _plan = new MiniBatchPlan(sampleRows, batchSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_plan.MaxRows, pass.MaxRows, nameof(pass));

        // Partial Fisher-Yates: the first sampleRows entries become a uniform sample without replacement, in random order.
        var rows = new int[rowCount];
        for (int i = 0; i < rowCount; i++) rows[i] = i;
        var random = new Random(unchecked(seed * 7919 + 104729));
        for (int i = 0; i < sampleRows; i++)
        {
            int j = i + random.Next(rowCount - i);
            (rows[i], rows[j]) = (rows[j], rows[i]);
        }
        _features = new float[(long)sampleRows * _featureCount];
        _labels = loss.UsesLabels ? new int[sampleRows] : [];
        _targets = loss.UsesLabels ? [] : new float[(long)sampleRows * _outputCount];
        for (int r = 0; r < sampleRows; r++)
        {
            int row = rows[r];
            features.AsSpan(row * _featureCount, _featureCount).CopyTo(_features.AsSpan(r * _featureCount));
            if (loss.UsesLabels) _labels[r] = labels[row];
            else targets.AsSpan(row * _outputCount, _outputCount).CopyTo(_targets.AsSpan(r * _outputCount));
        }

        _inference = pass.Network.CreateInference(Math.Min(sampleRows, InferenceChunkRows));
        _logits = new float[_inference.MaxRows * _outputCount];
        IReadOnlyList<MlpLayer> layers = pass.Network.Layers;
        _batchNormLayers = Enumerable.Range(0, layers.Count).Where(l => layers[l].HasBatchNorm).ToArray();
        _runningMeans = _batchNormLayers.Select(l => new float[layers[l].OutputSize]).ToArray();
        _runningVariances = _batchNormLayers.Select(l => new float[layers[l].OutputSize]).ToArray();
        _batchMeans = _batchNormLayers.Select(l => new float[layers[l].OutputSize]).ToArray();
        _batchVariances = _batchNormLayers.Select(l => new float[layers[l].OutputSize]).ToArray();
    }

    /// <summary>Rows of the sample: 0 (off) when <paramref name="sampleRows"/> is 0, else min(rowCount, max(sampleRows, batchSize)).</summary>
    public static int SampleSize(int rowCount, int sampleRows, int batchSize) =>
        sampleRows <= 0 || rowCount < 2 ? 0 : Math.Min(rowCount, Math.Max(sampleRows, batchSize));

    /// <summary>The largest mini-batch of the sample's training-mode pass (0 when off).</summary>
    public static int RequiredBatchRows(int sampleRows, int batchSize) =>
        sampleRows < 2 ? 0 : new MiniBatchPlan(sampleRows, batchSize).MaxRows;

    /// <summary>
    /// The mini-batch of an epoch whose statistics the distance compares with the running ones: the last one of at
    /// least BatchSize rows, that is the last, unless it is a smaller remainder (whose few rows would add sampling noise
    /// of their own), then the one before it.
    /// </summary>
    public static int DistanceBatch(MiniBatchPlan plan) =>
        plan.BatchCount > 1 && plan.GetBatch(plan.BatchCount - 1).Count < plan.BatchSize ? plan.BatchCount - 2 : plan.BatchCount - 1;

    /// <summary>Rows of the sample.</summary>
    public int SampleRows => _plan.RowCount;

    /// <summary>Copies the running statistics; call just before the epoch's <see cref="DistanceBatch"/>. No allocation.</summary>
    public void SnapshotRunningStatistics()
    {
        IReadOnlyList<MlpLayer> layers = _pass.Network.Layers;
        for (int k = 0; k < _batchNormLayers.Length; k++)
        {
            MlpLayer layer = layers[_batchNormLayers[k]];
            layer.RunningMean.AsSpan().CopyTo(_runningMeans[k]);
            layer.RunningVariance.AsSpan().CopyTo(_runningVariances[k]);
        }
    }

    /// <summary>Copies the batch statistics of the forward pass just made; call right after the <see cref="DistanceBatch"/>'s forward. No allocation.</summary>
    public void CaptureBatchStatistics()
    {
        for (int k = 0; k < _batchNormLayers.Length; k++)
        {
            _pass.BatchMean(_batchNormLayers[k]).CopyTo(_batchMeans[k]);
            _pass.BatchVariance(_batchNormLayers[k]).CopyTo(_batchVariances[k]);
        }
    }

    /// <summary>
    /// Measures the gap; call after the epoch's last mini-batch, with <see cref="SnapshotRunningStatistics"/> and
    /// <see cref="CaptureBatchStatistics"/> taken around the epoch's <see cref="DistanceBatch"/>. Overwrites the pass's
    /// workspace; changes no parameter and no running statistic.
    /// </summary>
    /// <exception cref="ArgumentException">The activations are not finite (the network diverged).</exception>
    public MlpInferenceGap Measure()
    {
        IReadOnlyList<MlpLayer> layers = _pass.Network.Layers;
        var distances = new double[_batchNormLayers.Length];
        for (int k = 0; k < _batchNormLayers.Length; k++)
        {
            int l = _batchNormLayers[k];
            distances[k] = Distance(_batchMeans[k], _batchVariances[k], _runningMeans[k], _runningVariances[k],
                layers[l].BatchNormEpsilon);
        }

        // Training mode: the sample's mini-batches through the training forward, running statistics untouched.
        double trainingLoss = 0;
        long trainingCorrect = 0;
        for (int b = 0; b < _plan.BatchCount; b++)
        {
            (int start, int n) = _plan.GetBatch(b);
            _features.AsSpan(start * _featureCount, n * _featureCount).CopyTo(_pass.Input);
            if (_loss.UsesLabels) _labels.AsSpan(start, n).CopyTo(_pass.Labels);
            else _targets.AsSpan(start * _outputCount, n * _outputCount).CopyTo(_pass.Targets);
            trainingLoss += _pass.Forward(n, null, out int correct) * n;
            trainingCorrect += correct;
        }

        // Inference mode: the folded network, as the trained model scores.
        _inference.Refresh();
        double inferenceLoss = 0;
        long inferenceCorrect = 0;
        int rows = _plan.RowCount;
        for (int start = 0; start < rows; start += _inference.MaxRows)
        {
            int n = Math.Min(_inference.MaxRows, rows - start);
            _inference.ComputeLogits(_features.AsSpan(start * _featureCount, n * _featureCount), n, _logits);
            inferenceLoss += _loss.Loss(_logits, _loss.UsesLabels ? _labels.AsSpan(start, n) : default,
                _loss.UsesLabels ? default : _targets.AsSpan(start * _outputCount, n * _outputCount), n, _outputCount, out int correct);
            inferenceCorrect += correct;
        }
        double Accuracy(long correct) => _loss.UsesLabels ? (double)correct / rows : double.NaN;
        return new MlpInferenceGap(rows, trainingLoss / rows, Accuracy(trainingCorrect), inferenceLoss / rows,
            Accuracy(inferenceCorrect), distances);
    }

    /// <summary>
    /// D = sqrt(1/d sum_j (s_j^2 + t_j^2)), s_j = (batchMean_j - runningMean_j) / sqrt(runningVariance_j + epsilon),
    /// t_j = ln((batchVariance_j + epsilon) / (runningVariance_j + epsilon)) / 2, in double (see the class remarks).
    /// </summary>
    /// <param name="batchMean">Mini-batch mean, length d.</param>
    /// <param name="batchVariance">Biased mini-batch variance, length d.</param>
    /// <param name="runningMean">Running mean, length d.</param>
    /// <param name="runningVariance">Running (unbiased) variance, length d.</param>
    /// <param name="epsilon">The layer's epsilon (&gt; 0).</param>
    public static double Distance(ReadOnlySpan<float> batchMean, ReadOnlySpan<float> batchVariance,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, float epsilon)
    {
        double sum = 0;
        for (int j = 0; j < batchMean.Length; j++)
        {
            double running = runningVariance[j] + (double)epsilon;
            double shift = (batchMean[j] - (double)runningMean[j]) / Math.Sqrt(running);
            double logScale = 0.5 * Math.Log((batchVariance[j] + (double)epsilon) / running);
            sum += shift * shift + logScale * logScale;
        }
        return Math.Sqrt(sum / batchMean.Length);
    }
}
