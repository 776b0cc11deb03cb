using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.BatchNorm.Benchmarks.Figures;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.BatchNorm.Samples.Data;

namespace Microsoft.ML.BatchNorm.Benchmarks.Studies;

/// <summary>
/// The small-batch study of issue 11 (<c>--small-batch-study</c>): test accuracy on Fashion-MNIST after the same number
/// of epochs with plain batch normalization, Batch Renormalization (Ioffe 2017, arXiv:1702.03275) and ghost batch
/// normalization (Hoffer et al. 2017, arXiv:1705.08741), as the mean and sample standard deviation over seeds, printed
/// as a markdown table.
/// </summary>
/// <remarks>
/// <para>The network and training are the trainers' defaults (784 -> 256 -> BN -> ReLU -> 128 -> BN -> ReLU -> 10,
/// PyTorch's uniform initialization, Adam 1e-3, batch-norm momentum 0.1, running averages for inference), through
/// <see cref="MlpTrainer.Train"/>; each arm changes the batch size and the batch-norm option it names. Seed s is the
/// initialization and shuffling seed of every arm, and the training rows are the first <c>trainRows</c> of the
/// training set (all 60000 by default), the test rows all 10000.</para>
/// <para>The arms follow the claims in the literature. Batch Renormalization claims to recover most of the accuracy
/// of large mini-batches when training with small ones: plain and renormalized at B = 4 and 8, against plain at B = 32
/// (the trainers' default). Renormalization uses the option's defaults, the paper's schedule (r_max 1 -> 3 and d_max
/// 0 -> 5 after a warm-up of 5000 steps; at B = 4 an epoch of 60000 rows is 15000 steps) and momentum 0.01. Ghost
/// batch normalization cannot be shown at B = 4 (a virtual batch of 2 rows is no estimate); its claim (Hoffer et al.,
/// section 4.1) is that large mini-batches normalized over small virtual batches generalize like small ones, so it
/// runs at B = 32 with virtual batches of 4 and 8 (the statistics of B = 4 and 8 with the gradient steps of B = 32)
/// and at B = 256 with virtual batches of 32 (against plain B = 256 and B = 32). Two more arms at B = 4 and 8 use the
/// batch-norm momentum 0.01 (the running averages then span about 100 mini-batches instead of 10): they separate the
/// noise of the inference statistics from that of training, and renormalized they infer with running averages as
/// slow as renormalization's own mu and sigma, which the paper infers with.</para>
/// </remarks>
internal static class SmallBatchStudy
{
    /// <summary>One configuration of the study.</summary>
    /// <param name="Name">What the table calls it.</param>
    /// <param name="BatchSize">Rows per mini-batch.</param>
    /// <param name="Renormalize">Batch Renormalization with the option's defaults.</param>
    /// <param name="VirtualBatchSize">Ghost batch normalization's virtual batch, or null.</param>
    /// <param name="Momentum">The batch-norm momentum of the running statistics (PyTorch's convention).</param>
    internal sealed record Arm(string Name, int BatchSize, bool Renormalize = false, int? VirtualBatchSize = null, float Momentum = 0.1f);

    /// <summary>The arms, in the table's order.</summary>
    internal static IReadOnlyList<Arm> Arms { get; } =
    [
        new("plain BN", 4),
        new("Batch Renorm", 4, Renormalize: true),
        new("plain BN, BN momentum 0.01", 4, Momentum: 0.01f),
        new("Batch Renorm, BN momentum 0.01", 4, Renormalize: true, Momentum: 0.01f),
        new("plain BN", 8),
        new("Batch Renorm", 8, Renormalize: true),
        new("plain BN, BN momentum 0.01", 8, Momentum: 0.01f),
        new("Batch Renorm, BN momentum 0.01", 8, Renormalize: true, Momentum: 0.01f),
        new("plain BN", 32),
        new("ghost BN, virtual batch 4", 32, VirtualBatchSize: 4),
        new("ghost BN, virtual batch 8", 32, VirtualBatchSize: 8),
        new("plain BN", 256),
        new("ghost BN, virtual batch 32", 256, VirtualBatchSize: 32),
    ];

    /// <summary>Runs the arms whose table name (with its batch size, e.g. "B=4 Batch Renorm") contains a filter (all without filters).</summary>
    /// <returns>The process exit code.</returns>
    public static int Run(int epochs, int seeds, int trainRows, IReadOnlyCollection<string> filters, TextWriter output)
    {
        IReadOnlyList<string> missing = FashionMnistData.MissingFiles;
        if (missing.Count > 0)
        {
            Console.Error.WriteLine($"Fashion-MNIST is not installed in {FashionMnistData.Directory} (missing {string.Join(", ", missing.Select(Path.GetFileName))}; Debian package dataset-fashion-mnist).");
            return 1;
        }
        LabeledDataset train = FashionMnistData.Train, test = FashionMnistData.Test;
        trainRows = Math.Min(trainRows, train.Count);
        output.WriteLine($"Fashion-MNIST, first {trainRows} training rows, 10000 test rows; {epochs} epochs; seeds 0..{seeds - 1}; " +
            $"{Environment.ProcessorCount} cores, {SgemmKernels.Best.Name} GEMM kernel.");
        output.WriteLine();
        output.WriteLine("| B | arm | test accuracy (mean ± std) | per seed | s per epoch |");
        output.WriteLine("|---:|---|---:|---|---:|");
        var total = Stopwatch.StartNew();
        foreach (Arm arm in Arms)
        {
            if (filters.Count > 0 && !filters.Any(f => $"B={arm.BatchSize} {arm.Name}".Contains(f, StringComparison.OrdinalIgnoreCase)))
                continue;
            var accuracies = new List<double>(seeds);
            var epochSeconds = new List<double>();
            for (int seed = 0; seed < seeds; seed++)
            {
                var settings = new MlpTrainingSettings
                {
                    HiddenSizes = [256, 128],
                    Epochs = epochs,
                    BatchSize = arm.BatchSize,
                    Seed = seed,
                    Initialization = MlpInitialization.PyTorchUniform,
                    BatchNormMomentum = arm.Momentum,
                    BatchRenormalization = arm.Renormalize ? new MlpBatchRenormalization() : null,
                    VirtualBatchSize = arm.VirtualBatchSize,
                };
                MlpNetwork network = MlpTrainer.Train(train.Features, train.Labels, trainRows, train.FeatureCount,
                    train.ClassCount, null, settings, summary => epochSeconds.Add(summary.Elapsed.TotalSeconds),
                    CancellationToken.None).Network;
                accuracies.Add(TestAccuracy(network, test));
            }
            double mean = accuracies.Average();
            double std = seeds > 1 ? Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / (seeds - 1)) : double.NaN;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {arm.BatchSize} | {arm.Name} | {mean:F4} ± {std:F4} | {string.Join(", ", accuracies.Select(a => a.ToString("F4", CultureInfo.InvariantCulture)))} | {epochSeconds.Average():F2} |"));
            output.Flush();
        }
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Total {total.Elapsed.TotalMinutes:F1} min."));
        return 0;
    }

    private static double TestAccuracy(MlpNetwork network, LabeledDataset test)
    {
        MlpInference inference = network.CreateInference(test.Count);
        var probabilities = new float[test.Count * test.ClassCount];
        inference.PredictProbabilities(test.Features, test.Count, probabilities);
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(probabilities.AsSpan(i * test.ClassCount, test.ClassCount)) == test.Labels[i])
                correct++;
        return (double)correct / test.Count;
    }
}
