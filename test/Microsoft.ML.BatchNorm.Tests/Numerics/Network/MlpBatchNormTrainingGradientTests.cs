using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>
/// Finite-difference checks of the whole network's backward pass with Batch Renormalization (r and d held constant,
/// as Ioffe 2017, Algorithm 1, defines the gradient: stop_gradient), with ghost batch normalization (statistics per
/// virtual batch, including a merged one-row remainder) and with both. The differences come from a double-precision
/// forward written here from the definitions, which first has to reproduce the float forward's loss.
/// </summary>
[TestClass]
public sealed class MlpBatchNormTrainingGradientTests
{
    private const int Inputs = 5, Classes = 3, Rows = 7;
    private static readonly int[] Hidden = [4, 3];

    [TestMethod]
    public void RenormalizationGradientsMatchFiniteDifferences() => Check(renormalize: true, virtualBatchSize: null, seed: 31);

    [TestMethod]
    public void GhostBatchNormGradientsMatchFiniteDifferences() => Check(renormalize: false, virtualBatchSize: 3, seed: 32);

    [TestMethod]
    public void RenormalizedGhostBatchesGradientsMatchFiniteDifferences() => Check(renormalize: true, virtualBatchSize: 3, seed: 33);

    private static void Check(bool renormalize, int? virtualBatchSize, int seed)
    {
        var random = new Random(seed);
        MlpNetwork network = MlpNetwork.CreateInitialized(Inputs, Hidden, Classes, true, 1e-5f, random);
        foreach (MlpLayer layer in network.Layers)
        {
            if (layer.Bias is not null) Fill(layer.Bias, random, 0.0, 0.5);
            if (layer.Gamma is not null) Fill(layer.Gamma, random, 1.0, 0.3);
            if (layer.Beta is not null) Fill(layer.Beta, random, 0.2, 0.5);
        }
        // Bounds open from the first step (no warm-up), tight enough that some r and d are clipped; a large momentum
        // so that two steps on other data move mu and sigma well away from the test batch's statistics.
        MlpBatchRenormalization? renormalization = renormalize
            ? new MlpBatchRenormalization { RMax = 1.5f, DMax = 0.6f, WarmUpSteps = 0, RMaxRelaxationSteps = 0, DMaxRelaxationSteps = 0, Momentum = 0.5f }
            : null;
        var workspace = new MlpBatchNormTraining(network, Rows, renormalization, virtualBatchSize);
        var pass = new MlpTrainingPass(network, Rows) { BatchNormTraining = workspace };
        for (int i = 0; i < Rows; i++) pass.Labels[i] = i % Classes;
        for (int step = 0; step < 2; step++)
        {
            Fill(pass.Input.AsSpan(0, Rows * Inputs), random, 1.5, 3.0);
            pass.Forward(Rows, 0.1f, out _);
        }
        Fill(pass.Input.AsSpan(0, Rows * Inputs), random, 0.5, 2.0);

        double loss = pass.Forward(Rows, runningStatisticsMomentum: null, out _);
        pass.Backward(Rows);

        // r and d of the forward, held constant in the reference (null: plain normalization, r = 1, d = 0).
        var r = new float[]?[network.Layers.Count];
        var d = new float[]?[network.Layers.Count];
        int clippedR = 0, freeR = 0, clippedD = 0, freeD = 0;
        for (int l = 0; l < network.Layers.Count; l++)
        {
            if (!renormalize || !network.Layers[l].HasBatchNorm) continue;
            r[l] = workspace.LastR(l).ToArray();
            d[l] = workspace.LastD(l).ToArray();
            foreach (float v in r[l]!) { if (v == 1.5f || v == 1f / 1.5f) clippedR++; else freeR++; }
            foreach (float v in d[l]!) { if (Math.Abs(v) == 0.6f) clippedD++; else freeD++; }
        }
        if (renormalize)
            Assert.IsTrue(clippedR > 0 && freeR > 0 && clippedD > 0 && freeD > 0,
                $"both sides of the clipping are exercised (r: {clippedR} clipped, {freeR} not; d: {clippedD}, {freeD})");

        double[][] parameters = pass.Parameters.Select(p => p.Value.Select(v => (double)v).ToArray()).ToArray();
        double[] x = pass.Input.Take(Rows * Inputs).Select(v => (double)v).ToArray();
        int[] labels = pass.Labels.Take(Rows).ToArray();
        double Reference() => ReferenceLoss(network, parameters, x, labels, virtualBatchSize, r, d);
        Assert.AreEqual(Reference(), loss, 1e-5 * Math.Max(1, Math.Abs(loss)), "float forward vs double reference");

        const double h = 1e-5;
        int checkedCount = 0;
        for (int p = 0; p < parameters.Length; p++)
        {
            double[] values = parameters[p];
            float[] gradient = pass.Parameters[p].Gradient;
            for (int i = 0; i < values.Length; i++)
            {
                double saved = values[i];
                values[i] = saved + h;
                double plus = Reference();
                values[i] = saved - h;
                double minus = Reference();
                values[i] = saved;
                double numeric = (plus - minus) / (2 * h);
                // As MlpGradientCheckTests: float32 analytic gradients against double central differences.
                Assert.AreEqual(numeric, gradient[i], 1e-4 + 1e-3 * Math.Abs(numeric), $"parameter array {p}, element {i}");
                checkedCount++;
            }
        }
        Assert.AreEqual(5 * 4 + 4 * 3 + 3 * Classes + Classes + 2 * (4 + 3), checkedCount, "every weight, bias, gamma and beta was checked");
    }

    /// <summary>
    /// Training-mode forward in double: z = x W^T (+ b); per virtual batch (consecutive rows; a one-row remainder
    /// joins the previous batch) and feature, mean and biased variance, y = gamma ((z - mean) / sqrt(var + eps) r + d)
    /// + beta with r and d the given constants (1 and 0 when null); ReLU on hidden layers; mean softmax cross-entropy.
    /// </summary>
    private static double ReferenceLoss(MlpNetwork network, double[][] parameters, double[] input, int[] labels,
        int? virtualBatchSize, float[]?[] rs, float[]?[] ds)
    {
        int n = labels.Length, next = 0;
        // The split, written out: groups of v rows, the last one taking a remainder of one row.
        int v = virtualBatchSize ?? n;
        var bounds = new List<(int Start, int Count)>();
        for (int start = 0; start < n; start += v) bounds.Add((start, Math.Min(v, n - start)));
        if (bounds.Count > 1 && bounds[^1].Count == 1)
        {
            bounds.RemoveAt(bounds.Count - 1);
            bounds[^1] = (bounds[^1].Start, bounds[^1].Count + 1);
        }
        double[] x = input;
        for (int l = 0; l < network.Layers.Count; l++)
        {
            MlpLayer layer = network.Layers[l];
            int inSize = layer.InputSize, outSize = layer.OutputSize;
            double[] w = parameters[next++];
            double[]? b = layer.Bias is null ? null : parameters[next++];
            var z = new double[n * outSize];
            for (int i = 0; i < n; i++)
                for (int o = 0; o < outSize; o++)
                {
                    double s = b?[o] ?? 0;
                    for (int j = 0; j < inSize; j++) s += x[i * inSize + j] * w[o * inSize + j];
                    z[i * outSize + o] = s;
                }
            if (layer.HasBatchNorm)
            {
                double[] gamma = parameters[next++], beta = parameters[next++];
                var y = new double[z.Length];
                for (int g = 0; g < bounds.Count; g++)
                {
                    (int start, int count) = bounds[g];
                    for (int o = 0; o < outSize; o++)
                    {
                        double mean = 0, variance = 0;
                        for (int i = start; i < start + count; i++) mean += z[i * outSize + o];
                        mean /= count;
                        for (int i = start; i < start + count; i++) variance += Math.Pow(z[i * outSize + o] - mean, 2);
                        variance /= count;
                        double r = rs[l]?[g * outSize + o] ?? 1, d = ds[l]?[g * outSize + o] ?? 0;
                        for (int i = start; i < start + count; i++)
                        {
                            double xhat = (z[i * outSize + o] - mean) / Math.Sqrt(variance + layer.BatchNormEpsilon);
                            y[i * outSize + o] = gamma[o] * (xhat * r + d) + beta[o];
                        }
                    }
                }
                z = y;
            }
            if (layer.HasRelu) for (int i = 0; i < z.Length; i++) z[i] = Math.Max(0, z[i]);
            x = z;
        }
        int k = network.ClassCount;
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            double max = x.Skip(i * k).Take(k).Max(), sum = 0;
            for (int c = 0; c < k; c++) sum += Math.Exp(x[i * k + c] - max);
            loss += max + Math.Log(sum) - x[i * k + labels[i]];
        }
        return loss / n;
    }

    private static void Fill(Span<float> values, Random random, double mean, double spread)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(mean + spread * MlpTestData.Gaussian(random));
    }
}
