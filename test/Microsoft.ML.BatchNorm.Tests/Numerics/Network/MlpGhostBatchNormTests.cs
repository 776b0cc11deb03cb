using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>
/// Ghost batch normalization (Hoffer et al. 2017, arXiv:1705.08741): a virtual batch as large as the mini-batch is
/// plain batch normalization, and a mini-batch split into virtual batches is exactly plain batch normalization run on
/// each virtual batch on its own (outputs, gradients as the row-weighted sum, running statistics updated in order).
/// </summary>
[TestClass]
public sealed class MlpGhostBatchNormTests
{
    [TestMethod]
    public void AVirtualBatchOfTheWholeMiniBatchTrainsExactlyAsPlainBatchNorm()
    {
        // 203 rows in mini-batches of 8: the last mini-batch has 3 rows, and with 201 rows it has 9 (one merged row).
        foreach (int rows in new[] { 203, 201 })
        {
            MlpTestData.Dataset data = MlpTestData.Random(rows, 6, 3, seed: 51);
            MlpTrainingSettings Settings(int? virtualBatchSize) => new()
            {
                HiddenSizes = [8, 5], Epochs = 3, BatchSize = 8, Seed = 5, VirtualBatchSize = virtualBatchSize,
            };
            MlpNetwork plain = MlpTestData.Train(data, Settings(null)).Network;
            MlpBatchRenormalizationTests.AssertSameBits(plain, MlpTestData.Train(data, Settings(8)).Network, $"{rows} rows, virtual batch 8");
            Assert.IsFalse(plain.StateArrays().Zip(MlpTestData.Train(data, Settings(4)).Network.StateArrays())
                .All(p => p.First.AsSpan().SequenceEqual(p.Second)), "virtual batches of 4 changed nothing");
        }
    }

    [TestMethod]
    [DataRow(12, 4)]   // three virtual batches of 4
    [DataRow(11, 4)]   // 4, 4 and a last one of 3
    [DataRow(9, 4)]    // 4 and 5: the one-row remainder joins the last virtual batch
    public void VirtualBatchesEqualPlainBatchNormOnEachGroup(int n, int virtualBatchSize)
    {
        const int Inputs = 6, Classes = 3;
        int[] hidden = [16, 8];
        var random = new Random(n);
        MlpNetwork ghost = MlpNetwork.CreateInitialized(Inputs, hidden, Classes, true, 1e-5f, random);
        MlpNetwork plain = Copy(ghost);
        var ghostPass = new MlpTrainingPass(ghost, n) { BatchNormTraining = new MlpBatchNormTraining(ghost, n, null, virtualBatchSize) };
        var plainPass = new MlpTrainingPass(plain, n);
        for (int i = 0; i < n * Inputs; i++) ghostPass.Input[i] = (float)(0.5 + 2 * MlpTestData.Gaussian(random));
        for (int i = 0; i < n; i++) ghostPass.Labels[i] = random.Next(Classes);

        double ghostLoss = ghostPass.Forward(n, 0.2f, out _);
        ghostPass.Backward(n);
        float[] ghostLogits = ghostPass.Logits[..(n * Classes)].ToArray();

        // The same rows as separate mini-batches, in order; gradients of the mean loss over all n rows are the sum of
        // each group's gradients weighted by its share of the rows.
        var plan = new MiniBatchPlan(n, virtualBatchSize);
        double[][] gradients = plainPass.Parameters.Select(p => new double[p.Gradient.Length]).ToArray();
        double plainLoss = 0;
        for (int g = 0; g < plan.BatchCount; g++)
        {
            (int start, int rows) = plan.GetBatch(g);
            ghostPass.Input.AsSpan(start * Inputs, rows * Inputs).CopyTo(plainPass.Input);
            ghostPass.Labels.AsSpan(start, rows).CopyTo(plainPass.Labels);
            plainLoss += plainPass.Forward(rows, 0.2f, out _) * rows / n;
            plainPass.Backward(rows);
            // The logits are row by row the same computation: the same bits.
            CollectionAssert.AreEqual(plainPass.Logits[..(rows * Classes)].ToArray(), ghostLogits[(start * Classes)..((start + rows) * Classes)],
                $"logits of virtual batch {g}");
            for (int p = 0; p < gradients.Length; p++)
                for (int i = 0; i < gradients[p].Length; i++) gradients[p][i] += (double)plainPass.Parameters[p].Gradient[i] * rows / n;
        }
        Assert.AreEqual(plainLoss, ghostLoss, 1e-6 * Math.Abs(plainLoss));
        for (int p = 0; p < gradients.Length; p++)
        {
            float[] actual = ghostPass.Parameters[p].Gradient;
            double scale = gradients[p].Max(Math.Abs);
            for (int i = 0; i < actual.Length; i++)
                Assert.AreEqual(gradients[p][i], actual[i], 1e-5 * scale, $"parameter array {p}, element {i}");
        }
        // Running statistics: one update per virtual batch, in order, each with its own size: the same bits.
        for (int l = 0; l < ghost.Layers.Count; l++)
        {
            if (!ghost.Layers[l].HasBatchNorm) continue;
            CollectionAssert.AreEqual(plain.Layers[l].RunningMean, ghost.Layers[l].RunningMean, $"running mean of layer {l}");
            CollectionAssert.AreEqual(plain.Layers[l].RunningVariance, ghost.Layers[l].RunningVariance, $"running variance of layer {l}");
        }
    }

    private static MlpNetwork Copy(MlpNetwork network) => new(network.Layers.Select(l => new MlpLayer(l.InputSize, l.OutputSize,
        (float[])l.Weights.Clone(), (float[]?)l.Bias?.Clone(), (float[]?)l.Gamma?.Clone(), (float[]?)l.Beta?.Clone(),
        (float[]?)l.RunningMean?.Clone(), (float[]?)l.RunningVariance?.Clone(), l.BatchNormEpsilon, l.HasRelu)).ToList());
}
