using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>
/// Finite-difference check of the whole network's backward pass (dense, batch norm through the batch statistics,
/// ReLU, softmax cross-entropy). The finite differences come from a double-precision reference forward written here,
/// so their error is ~h^2 + 1e-16/h instead of float32's ~1e-7/h.
/// </summary>
[TestClass]
public sealed class MlpGradientCheckTests
{
    private const int Inputs = 5, Classes = 3, Rows = 6;
    private static readonly int[] Hidden = [4, 3];

    [TestMethod]
    public void GradientsMatchFiniteDifferencesWithBatchNorm() => CheckGradients(useBatchNorm: true, seed: 11);

    [TestMethod]
    public void GradientsMatchFiniteDifferencesWithoutBatchNorm() => CheckGradients(useBatchNorm: false, seed: 12);

    private static void CheckGradients(bool useBatchNorm, int seed)
    {
        var random = new Random(seed);
        MlpNetwork network = MlpNetwork.CreateInitialized(Inputs, Hidden, Classes, useBatchNorm, 1e-5f, random);
        // Move gamma, beta and biases off their initial values so that their gradients are exercised in general position.
        foreach (MlpLayer layer in network.Layers)
        {
            if (layer.Bias is not null) Fill(layer.Bias, random, 0.0, 0.5);
            if (layer.Gamma is not null) Fill(layer.Gamma, random, 1.0, 0.3);
            if (layer.Beta is not null) Fill(layer.Beta, random, 0.2, 0.5);
        }
        var pass = new MlpTrainingPass(network, Rows);
        Fill(pass.Input.AsSpan(0, Rows * Inputs), random, 0.5, 2.0);
        for (int i = 0; i < Rows; i++) pass.Labels[i] = i % Classes;

        double loss = pass.Forward(Rows, runningStatisticsMomentum: null, out _);
        pass.Backward(Rows);

        double[][] parameters = pass.Parameters.Select(p => p.Value.Select(v => (double)v).ToArray()).ToArray();
        double[] x = pass.Input.Take(Rows * Inputs).Select(v => (double)v).ToArray();
        int[] labels = pass.Labels.Take(Rows).ToArray();
        // The reference must reproduce the float forward before its differences mean anything.
        double referenceLoss = ReferenceLoss(network, parameters, x, labels);
        Assert.AreEqual(referenceLoss, loss, 1e-5 * Math.Max(1, Math.Abs(referenceLoss)), "float forward vs double reference");

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
                double plus = ReferenceLoss(network, parameters, x, labels);
                values[i] = saved - h;
                double minus = ReferenceLoss(network, parameters, x, labels);
                values[i] = saved;
                double numeric = (plus - minus) / (2 * h);
                // The analytic gradient is float32 (~1e-7 relative per operation over a few dozen terms); the central
                // difference in double is accurate to ~1e-9 here. 1e-4 absolute + 1e-3 relative leaves a margin of
                // ~100x while still catching any missing term (those are of the gradient's own size, ~1e-2..1).
                Assert.AreEqual(numeric, gradient[i], 1e-4 + 1e-3 * Math.Abs(numeric),
                    $"parameter array {p}, element {i} (batch norm {useBatchNorm})");
                checkedCount++;
            }
        }
        int expected = useBatchNorm ? 5 * 4 + 4 * 3 + 3 * 3 + 3 + 2 * (4 + 3) : 5 * 4 + 4 * 3 + 3 * 3 + 4 + 3 + 3;
        Assert.AreEqual(expected, checkedCount, "every weight, bias, gamma and beta was checked");
    }

    /// <summary>
    /// Training-mode forward in double: z = x W^T (+ b); with batch norm y = gamma (z - mean) / sqrt(var + eps) + beta
    /// (biased batch variance, Ioffe and Szegedy 2015, Algorithm 1); ReLU on hidden layers; mean softmax cross-entropy.
    /// The parameter arrays come in <see cref="MlpTrainingPass.Parameters"/>' order: per layer W, b, gamma, beta.
    /// </summary>
    private static double ReferenceLoss(MlpNetwork network, double[][] parameters, double[] input, int[] labels)
    {
        int n = labels.Length, next = 0;
        double[] x = input;
        foreach (MlpLayer layer in network.Layers)
        {
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
                for (int o = 0; o < outSize; o++)
                {
                    double mean = 0, variance = 0;
                    for (int i = 0; i < n; i++) mean += z[i * outSize + o];
                    mean /= n;
                    for (int i = 0; i < n; i++) variance += Math.Pow(z[i * outSize + o] - mean, 2);
                    variance /= n;
                    double inv = 1 / Math.Sqrt(variance + layer.BatchNormEpsilon);
                    for (int i = 0; i < n; i++) z[i * outSize + o] = gamma[o] * (z[i * outSize + o] - mean) * inv + beta[o];
                }
            }
            if (layer.HasRelu) for (int i = 0; i < z.Length; i++) z[i] = Math.Max(0, z[i]);
            x = z;
        }
        int k = network.ClassCount;
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            double max = x.Skip(i * k).Take(k).Max();
            double sum = 0;
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
