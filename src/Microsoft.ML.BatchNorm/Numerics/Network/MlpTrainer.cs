using System.Diagnostics;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>The mini-batch training loop of an <see cref="MlpNetwork"/>.</summary>
internal static class MlpTrainer
{
    /// <summary>Rows per inference call when evaluating validation data.</summary>
    private const int ValidationChunkRows = 512;

    /// <summary>
    /// Trains a freshly initialized network (<see cref="MlpNetwork.CreateInitialized"/> from a Random seeded with
    /// <see cref="MlpTrainingSettings.Seed"/>) by mini-batch gradient descent on the mean loss (<see cref="MlpTrainingSettings.Loss"/>).
    /// Each epoch shuffles the rows (Fisher-Yates, same Random), splits them as <see cref="MiniBatchPlan"/> describes
    /// (a trailing single row joins the previous mini-batch), and per mini-batch runs the training-mode forward and
    /// backward passes (batch statistics; running statistics updated with <see cref="MlpTrainingSettings.BatchNormMomentum"/>)
    /// and one optimizer step. After each epoch the validation data, if any, is evaluated in inference mode; with
    /// <see cref="MlpTrainingSettings.EarlyStoppingPatience"/> &gt; 0, training stops after that many epochs without a
    /// lower validation loss and the parameters (and running statistics) of the best epoch are restored. The same
    /// seed and data give bit-identical weights. With <see cref="MlpTrainingSettings.InferenceStatistics"/> =
    /// <see cref="MlpInferenceStatistics.Population"/>, the final network's running statistics are then replaced by
    /// <see cref="MlpPopulationStatistics.Compute"/> on the training rows (in their given order). After each epoch (before
    /// the validation data) the train/inference gap is measured on a fixed sample of the training rows
    /// (<see cref="MlpInferenceGapMonitor"/>, <see cref="MlpTrainingSettings.InferenceGapSampleRows"/>; it draws from a
    /// Random of its own, so the training is the same with it off). With <see cref="MlpTrainingSettings.BatchNormFreezing"/>
    /// the batch-norm layers normalize with their fixed running statistics (<see cref="MlpFrozenBatchNorm"/>), and with
    /// StatisticsAndAffine the optimizer leaves gamma and beta out. The loop allocates nothing per mini-batch:
    /// workspaces are sized once for the largest mini-batch, and the in-epoch progress report is a struct.
    /// </summary>
    /// <param name="features">rowCount x featureCount, row-major, finite.</param>
    /// <param name="labels">rowCount labels in 0..classCount-1.</param>
    /// <param name="rowCount">Training rows (&gt;= 2).</param>
    /// <param name="featureCount">Features per row (&gt;= 1).</param>
    /// <param name="classCount">Classes (&gt;= 1).</param>
    /// <remarks>The multiclass form of the general overload (settings.Loss must be the softmax cross-entropy).</remarks>
    /// <param name="validation">Optional held-out rows with featureCount features.</param>
    /// <param name="settings">Hyper-parameters; validated here.</param>
    /// <param name="onEpoch">Called after each epoch with its summary (on the training thread).</param>
    /// <param name="cancellationToken">
    /// Checked before each mini-batch and after each epoch's last one (before the validation data is evaluated).
    /// </param>
    /// <param name="onBatches">
    /// Called between mini-batches (on the training thread) with the epoch's progress: after the first mini-batch
    /// that ends at least <see cref="MlpTrainingSettings.BatchProgressInterval"/> after the epoch's start or the
    /// previous report, and after the epoch's last mini-batch (before the validation data is evaluated).
    /// </param>
    /// <returns>The network, the per-epoch history, the best epoch and whether training stopped early.</returns>
    /// <exception cref="ArgumentNullException">features, labels or settings is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A count is out of range, a label is outside 0..classCount-1 (the message names the row, and whether it is a
    /// validation row), or a setting is invalid (see <see cref="MlpTrainingSettings.Validate"/>).
    /// </exception>
    /// <exception cref="ArgumentException">
    /// Fewer than 2 training rows; an array is too short; a feature is not finite (the message names the row); early
    /// stopping without validation data.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// Training diverged: a mini-batch loss (or, at the end, a parameter) is NaN or infinite. A NaN model is never returned.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static MlpTrainingResult Train(float[] features, int[] labels, int rowCount, int featureCount, int classCount,
        MlpValidationData? validation, MlpTrainingSettings settings, Action<MlpEpochSummary>? onEpoch,
        CancellationToken cancellationToken, Action<MlpBatchProgress>? onBatches = null) =>
        Train(features, labels, [], rowCount, featureCount, classCount, validation, settings, onEpoch, cancellationToken, onBatches);

    /// <summary>
    /// Trains for any <see cref="MlpTrainingSettings.Loss"/>, as the multiclass overload describes: classification
    /// losses read <paramref name="labels"/> (0..classCount-1 for the softmax, 0 or 1 for the sigmoid with one
    /// output), regression losses read <paramref name="targets"/> (rowCount x outputCount, finite).
    /// </summary>
    /// <param name="features">rowCount x featureCount, row-major, finite.</param>
    /// <param name="labels">Class labels (classification), or empty.</param>
    /// <param name="targets">Regression targets, or empty.</param>
    /// <param name="rowCount">Training rows (&gt;= 2).</param>
    /// <param name="featureCount">Features per row (&gt;= 1).</param>
    /// <param name="outputCount">Units of the output layer (&gt;= 1; 1 for the sigmoid cross-entropy).</param>
    /// <param name="validation">Optional held-out rows with featureCount features and labels or targets of the same kind.</param>
    /// <param name="settings">Hyper-parameters; validated here.</param>
    /// <param name="onEpoch">Called after each epoch with its summary (on the training thread).</param>
    /// <param name="cancellationToken">Checked between mini-batches.</param>
    /// <param name="onBatches">Progress within each epoch, as the multiclass overload describes.</param>
    /// <param name="initialNetwork">
    /// Fine-tuning: a trained network to continue from instead of a fresh one, or null. It is copied (never changed):
    /// its layers must be the ones the settings describe (<see cref="MlpTrainingSettings.HiddenSizes"/>,
    /// <see cref="MlpTrainingSettings.UseBatchNormalization"/>, <see cref="MlpTrainingSettings.BatchNormEpsilon"/>), with
    /// featureCount inputs and outputCount outputs; its parameters and running statistics are the starting point. The
    /// optimizer's state (Adam's moments, SGD's velocity) starts fresh, as at any start of training, and the Random of
    /// the shuffles starts from <see cref="MlpTrainingSettings.Seed"/> (no draws are spent on an initialization).
    /// </param>
    /// <returns>The network, the per-epoch history (accuracy NaN for regression), the best epoch and whether training stopped early.</returns>
    /// <exception cref="ArgumentNullException">An array or settings is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count, label or setting is out of range (see the multiclass overload).</exception>
    /// <exception cref="ArgumentException">As the multiclass overload; also a non-finite target (the message names the row),
    /// the sigmoid with more than one output, or an initial network whose layers differ from the settings (the message
    /// names the setting and both values).</exception>
    /// <exception cref="InvalidOperationException">Training diverged.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static MlpTrainingResult Train(float[] features, int[] labels, float[] targets, int rowCount, int featureCount,
        int outputCount, MlpValidationData? validation, MlpTrainingSettings settings, Action<MlpEpochSummary>? onEpoch,
        CancellationToken cancellationToken, Action<MlpBatchProgress>? onBatches = null, MlpNetwork? initialNetwork = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputCount, 1);
        var objective = new MlpLoss(settings.Loss, settings.HuberDelta);
        if (settings.Loss == MlpLossKind.SigmoidCrossEntropy && outputCount != 1)
            throw new ArgumentException($"The sigmoid cross-entropy has one output; got {outputCount}.", nameof(outputCount));
        int classCount = outputCount;
        if (rowCount < 2)
            throw new ArgumentException($"Training needs at least 2 rows; got {rowCount}.", nameof(rowCount));
        CheckData(features, labels, targets, rowCount, featureCount, outputCount, objective, "training");
        if (validation is not null)
            CheckData(validation.Features, validation.Labels, validation.Targets, validation.RowCount, featureCount, outputCount, objective, "validation");
        if (settings.EarlyStoppingPatience > 0 && validation is null)
            throw new ArgumentException("EarlyStoppingPatience > 0 needs validation data.", nameof(validation));
        if (initialNetwork is not null)
            CheckInitialNetwork(initialNetwork, featureCount, outputCount, settings);

        var totalTime = Stopwatch.StartNew();
        var random = new Random(settings.Seed);
        MlpNetwork network = initialNetwork?.Clone() ?? MlpNetwork.CreateInitialized(featureCount, settings.HiddenSizes, classCount,
            settings.UseBatchNormalization, settings.BatchNormEpsilon, random, settings.Initialization, settings.InitialWeightScale,
            settings.BatchNormPlacement);
        var plan = new MiniBatchPlan(rowCount, settings.BatchSize);
        int gapRows = MlpInferenceGapMonitor.SampleSize(rowCount, settings.InferenceGapSampleRows, settings.BatchSize);
        int maxRows = Math.Max(plan.MaxRows, MlpInferenceGapMonitor.RequiredBatchRows(gapRows, settings.BatchSize));
        var pass = new MlpTrainingPass(network, maxRows, objective)
        {
            FreezeStatistics = settings.BatchNormFreezing != MlpBatchNormFreezing.None,
            BatchNormTraining = MlpBatchNormTraining.CreateOrNull(network, maxRows, settings.BatchRenormalization, settings.VirtualBatchSize),
        };
        MlpOptimizer optimizer = MlpOptimizer.Create(settings, TrainedParameters(pass, settings.BatchNormFreezing));
        MlpInferenceGapMonitor? gapMonitor = gapRows == 0 ? null
            : new MlpInferenceGapMonitor(pass, objective, features, labels, targets, rowCount, gapRows, settings.BatchSize, settings.Seed);
        int gapBatch = gapMonitor is null ? -1 : MlpInferenceGapMonitor.DistanceBatch(plan);
        var order = new int[rowCount];
        for (int i = 0; i < rowCount; i++) order[i] = i;

        MlpInference? validator = null;
        float[]? validationLogits = null;
        if (validation is not null)
        {
            validator = network.CreateInference(Math.Min(validation.RowCount, ValidationChunkRows));
            validationLogits = new float[validator.MaxRows * classCount];
        }
        List<float[]> state = network.StateArrays();
        List<float[]>? best = settings.EarlyStoppingPatience > 0 ? state.ConvertAll(a => (float[])a.Clone()) : null;

        var history = new List<MlpEpochSummary>(settings.Epochs);
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = 0;
        bool stoppedEarly = false;
        float? momentum = settings.BatchNormMomentum;
        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            var epochTime = Stopwatch.StartNew();
            Shuffle(order, random);
            double lossSum = 0;
            long correctSum = 0;
            long lastReport = Stopwatch.GetTimestamp();
            for (int b = 0; b < plan.BatchCount; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (b == gapBatch) gapMonitor!.SnapshotRunningStatistics();
                (int start, int n) = plan.GetBatch(b);
                Gather(features, featureCount, order.AsSpan(start, n), pass.Input);
                if (objective.UsesLabels) Gather(labels, 1, order.AsSpan(start, n), pass.Labels);
                else Gather(targets, outputCount, order.AsSpan(start, n), pass.Targets);
                double loss;
                int correct;
                try
                {
                    loss = pass.Forward(n, momentum, out correct);
                    if (b == gapBatch) gapMonitor!.CaptureBatchStatistics();
                    if (!double.IsFinite(loss)) throw Diverged(settings, epoch, b, $"the loss is {loss}.", null);
                    pass.Backward(n);
                }
                catch (ArgumentException ex)
                {
                    // The data and shapes were validated above: the batch-norm kernels reject only non-finite
                    // activations, gradients or parameters here, that is, a diverged network.
                    throw Diverged(settings, epoch, b, "activations or gradients became NaN or infinite.", ex);
                }
                optimizer.Step();
                lossSum += loss * n;
                correctSum += correct;
                if (onBatches is not null)
                {
                    if (b == plan.BatchCount - 1 || Stopwatch.GetElapsedTime(lastReport) >= settings.BatchProgressInterval)
                    {
                        onBatches(new MlpBatchProgress(epoch, start + n, rowCount, lossSum / (start + n), epochTime.Elapsed));
                        lastReport = Stopwatch.GetTimestamp();
                    }
                }
            }
            // A cancellation from the last mini-batch's progress report stops before the validation pass.
            cancellationToken.ThrowIfCancellationRequested();

            MlpInferenceGap? gap = null;
            try
            {
                gap = gapMonitor?.Measure();
            }
            catch (ArgumentException ex)
            {
                throw Diverged(settings, epoch, plan.BatchCount - 1, "the activations became NaN or infinite after the last step.", ex);
            }

            double? validationLoss = null, validationAccuracy = null;
            if (validation is not null)
            {
                validator!.Refresh();
                (double vLoss, double vAccuracy) = Evaluate(validator, validation, featureCount, validationLogits!, objective);
                validationLoss = vLoss;
                validationAccuracy = vAccuracy;
                if (vLoss < bestLoss)
                {
                    bestLoss = vLoss;
                    bestEpoch = epoch;
                    if (best is not null) Copy(state, best);
                }
            }
            else
            {
                bestEpoch = epoch;
            }

            var summary = new MlpEpochSummary(epoch, lossSum / rowCount, objective.UsesLabels ? (double)correctSum / rowCount : double.NaN,
                validationLoss, validationAccuracy, epochTime.Elapsed, totalTime.Elapsed, gap);
            history.Add(summary);
            onEpoch?.Invoke(summary);
            if (best is not null && epoch - bestEpoch >= settings.EarlyStoppingPatience && epoch < settings.Epochs)
            {
                stoppedEarly = true;
                break;
            }
        }

        // With early stopping on, the result is the best epoch's network whether or not training stopped early.
        if (best is not null && bestEpoch > 0 && bestEpoch != history.Count) Copy(best, state);
        if (bestEpoch == 0) bestEpoch = history.Count;
        if (settings.InferenceStatistics == MlpInferenceStatistics.Population && settings.UseBatchNormalization)
        {
            try
            {
                MlpPopulationStatistics.Compute(pass, features, rowCount, settings.BatchSize, cancellationToken);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidOperationException("Training diverged: the activations became NaN or infinite in the population-statistics pass. Lower the learning rate.", ex);
            }
        }
        for (int i = 0; i < state.Count; i++)
            foreach (float value in state[i])
                if (!float.IsFinite(value))
                    throw new InvalidOperationException("Training diverged: a parameter became NaN or infinite. Lower the learning rate" +
                        (settings.UseBatchNormalization ? "." : " or enable batch normalization."));
        return new MlpTrainingResult(network, history, bestEpoch, stoppedEarly);
    }

    // The optimizer's parameters: all of the pass's, but gamma and beta when they are frozen.
    private static IReadOnlyList<MlpParameter> TrainedParameters(MlpTrainingPass pass, MlpBatchNormFreezing freezing)
    {
        if (freezing != MlpBatchNormFreezing.StatisticsAndAffine)
            return pass.Parameters;
        var frozen = new HashSet<float[]>(ReferenceEqualityComparer.Instance);
        foreach (MlpLayer layer in pass.Network.Layers)
        {
            if (!layer.HasBatchNorm) continue;
            frozen.Add(layer.Gamma!);
            frozen.Add(layer.Beta!);
        }
        return pass.Parameters.Where(p => !frozen.Contains(p.Value)).ToList();
    }

    // The initial network of a fine-tuning run must be the network the settings would create.
    private static void CheckInitialNetwork(MlpNetwork network, int featureCount, int outputCount, MlpTrainingSettings settings)
    {
        const string name = "initialNetwork";
        if (network.InputSize != featureCount)
            throw new ArgumentException($"The initial network takes {network.InputSize} features; the data has {featureCount}.", name);
        if (network.ClassCount != outputCount)
            throw new ArgumentException($"The initial network has {network.ClassCount} outputs; the training needs {outputCount}.", name);
        IReadOnlyList<MlpLayer> layers = network.Layers;
        int[] hidden = layers.Take(layers.Count - 1).Select(l => l.OutputSize).ToArray();
        if (!hidden.AsSpan().SequenceEqual(settings.HiddenSizes))
            throw new ArgumentException($"The initial network's hidden sizes are [{string.Join(", ", hidden)}]; HiddenSizes is [{string.Join(", ", settings.HiddenSizes)}].", name);
        for (int l = 0; l < layers.Count - 1; l++)
        {
            if (layers[l].HasBatchNorm != settings.UseBatchNormalization)
                throw new ArgumentException($"Hidden layer {l} of the initial network {(layers[l].HasBatchNorm ? "has" : "has no")} batch normalization; UseBatchNormalization is {settings.UseBatchNormalization}.", name);
            if (layers[l].HasBatchNorm && layers[l].BatchNormEpsilon != settings.BatchNormEpsilon)
                throw new ArgumentException($"Hidden layer {l} of the initial network has batch-norm epsilon {layers[l].BatchNormEpsilon:R}; BatchNormEpsilon is {settings.BatchNormEpsilon:R}.", name);
            if (layers[l].HasBatchNorm && layers[l].BatchNormPlacement != settings.BatchNormPlacement)
                throw new ArgumentException($"Hidden layer {l} of the initial network places batch normalization {layers[l].BatchNormPlacement}; BatchNormPlacement is {settings.BatchNormPlacement}.", name);
        }
    }

    private static InvalidOperationException Diverged(MlpTrainingSettings settings, int epoch, int batch, string detail,
        Exception? inner) =>
        new($"Training diverged at epoch {epoch}, mini-batch {batch + 1}: {detail} Lower the learning rate" +
            (settings.UseBatchNormalization ? "." : " or enable batch normalization."), inner);

    private static void CheckData(float[] features, int[] labels, float[] targets, int rowCount, int featureCount,
        int outputCount, MlpLoss loss, string kind)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(targets);
        if (features.Length < (long)rowCount * featureCount)
            throw new ArgumentException(
                $"The {kind} features have {features.Length} values; {rowCount} rows of {featureCount} need {(long)rowCount * featureCount}.", nameof(features));
        if (loss.UsesLabels)
        {
            int classCount = loss.LabelClassCount(outputCount);
            if (labels.Length < rowCount)
                throw new ArgumentException($"The {kind} labels have {labels.Length} values for {rowCount} rows.", nameof(labels));
            for (int i = 0; i < rowCount; i++)
                if ((uint)labels[i] >= (uint)classCount)
                    throw new ArgumentOutOfRangeException(nameof(labels), labels[i],
                        $"The label of {kind} row {i} is {labels[i]}; labels must be in 0..{classCount - 1}.");
        }
        else
        {
            if (targets.Length < (long)rowCount * outputCount)
                throw new ArgumentException($"The {kind} targets have {targets.Length} values; {rowCount} rows of {outputCount} need {(long)rowCount * outputCount}.", nameof(targets));
            for (int i = 0; i < rowCount; i++)
                if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(targets.AsSpan(i * outputCount, outputCount)))
                    throw new ArgumentException($"{kind} row {i} has a NaN or infinite target.", nameof(targets));
        }
        for (int i = 0; i < rowCount; i++)
        {
            ReadOnlySpan<float> row = features.AsSpan(i * featureCount, featureCount);
            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(row))
                throw new ArgumentException($"{kind} row {i} has a NaN or infinite feature.", nameof(features));
        }
    }

    /// <summary>Fisher-Yates (Durstenfeld) shuffle driven by <paramref name="random"/>.</summary>
    private static void Shuffle(int[] order, Random random)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    // batch[r, :] = source[rows[r], :] for rows of `width` values.
    private static void Gather<T>(T[] source, int width, ReadOnlySpan<int> rows, T[] batch)
    {
        for (int r = 0; r < rows.Length; r++)
            source.AsSpan(rows[r] * width, width).CopyTo(batch.AsSpan(r * width, width));
    }

    /// <summary>Mean loss and accuracy (NaN for regression) of the validation rows, in inference mode, chunk by chunk.</summary>
    private static (double Loss, double Accuracy) Evaluate(MlpInference inference, MlpValidationData data, int featureCount,
        float[] logits, MlpLoss loss)
    {
        double lossSum = 0;
        long correct = 0;
        int classCount = inference.ClassCount;
        for (int start = 0; start < data.RowCount; start += inference.MaxRows)
        {
            int n = Math.Min(inference.MaxRows, data.RowCount - start);
            inference.ComputeLogits(data.Features.AsSpan(start * featureCount, n * featureCount), n, logits);
            lossSum += loss.Loss(logits, loss.UsesLabels ? data.Labels.AsSpan(start, n) : default,
                loss.UsesLabels ? default : data.Targets.AsSpan(start * classCount, n * classCount), n, classCount, out int c);
            correct += c;
        }
        return (lossSum / data.RowCount, loss.UsesLabels ? (double)correct / data.RowCount : double.NaN);
    }

    private static void Copy(List<float[]> from, List<float[]> to)
    {
        for (int i = 0; i < from.Count; i++) from[i].AsSpan().CopyTo(to[i]);
    }
}
