using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>
/// Finite-difference check of the whole network's backward pass (dense, batch norm through the batch statistics,
/// ReLU, and each output layer with its loss: softmax cross-entropy, sigmoid cross-entropy on one logit, squared error
/// and Huber loss on real outputs). The finite differences come from a double-precision reference forward written here,
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

    /// <summary>
    /// dense + b -> ReLU -> BN in every hidden layer: the batch-norm backward without the fused ReLU, then the ReLU's
    /// mask, the dense bias (which no longer cancels in the normalization) and the next layer, for each loss.
    /// </summary>
    [TestMethod]
    [DataRow((int)MlpLossKind.SoftmaxCrossEntropy)]
    [DataRow((int)MlpLossKind.SigmoidCrossEntropy)]
    [DataRow((int)MlpLossKind.SquaredError)]
    [DataRow((int)MlpLossKind.Huber)]
    public void GradientsMatchFiniteDifferencesWithBatchNormAfterActivation(int kind) =>
        CheckGradients(useBatchNorm: true, seed: 110 + kind, (MlpLossKind)kind, MlpBatchNormPlacement.AfterActivation);

    [TestMethod]
    [DataRow((int)MlpLossKind.SigmoidCrossEntropy, true)]
    [DataRow((int)MlpLossKind.SigmoidCrossEntropy, false)]
    [DataRow((int)MlpLossKind.SquaredError, true)]
    [DataRow((int)MlpLossKind.SquaredError, false)]
    [DataRow((int)MlpLossKind.Huber, true)]
    [DataRow((int)MlpLossKind.Huber, false)]
    public void GradientsMatchFiniteDifferencesForTheBinaryAndRegressionOutputs(int kind, bool useBatchNorm) =>
        CheckGradients(useBatchNorm, seed: 20 + kind, (MlpLossKind)kind);

    private const float HuberDelta = 0.5f;

    private static void CheckGradients(bool useBatchNorm, int seed, MlpLossKind kind = MlpLossKind.SoftmaxCrossEntropy,
        MlpBatchNormPlacement placement = MlpBatchNormPlacement.BeforeActivation)
    {
        bool after = useBatchNorm && placement == MlpBatchNormPlacement.AfterActivation;
        var random = new Random(seed);
        // Outputs: the classes (softmax), one logit (sigmoid), two real values (regression, to cover k > 1).
        int outputs = kind switch { MlpLossKind.SoftmaxCrossEntropy => Classes, MlpLossKind.SigmoidCrossEntropy => 1, _ => 2 };
        var objective = new MlpLoss(kind, HuberDelta);
        MlpNetwork network = MlpNetwork.CreateInitialized(Inputs, Hidden, outputs, useBatchNorm, 1e-5f, random,
            batchNormPlacement: placement);
        // Move gamma, beta and biases off their initial values so that their gradients are exercised in general position.
        foreach (MlpLayer layer in network.Layers)
        {
            if (layer.Bias is not null) Fill(layer.Bias, random, 0.0, 0.5);
            if (layer.Gamma is not null) Fill(layer.Gamma, random, 1.0, 0.3);
            if (layer.Beta is not null) Fill(layer.Beta, random, 0.2, 0.5);
        }
        var pass = new MlpTrainingPass(network, Rows, objective);
        Fill(pass.Input.AsSpan(0, Rows * Inputs), random, 0.5, 2.0);
        if (objective.UsesLabels)
            for (int i = 0; i < Rows; i++) pass.Labels[i] = i % objective.LabelClassCount(outputs);
        // Targets spread over +-3 so that the Huber loss sees residuals on both sides of its delta.
        Fill(pass.Targets.AsSpan(0, Rows * outputs), random, 0.0, 1.5);

        double loss = pass.Forward(Rows, runningStatisticsMomentum: null, out _);
        pass.Backward(Rows);

        double[][] parameters = pass.Parameters.Select(p => p.Value.Select(v => (double)v).ToArray()).ToArray();
        double[] x = pass.Input.Take(Rows * Inputs).Select(v => (double)v).ToArray();
        int[] labels = pass.Labels.Take(Rows).ToArray();
        double[] targets = pass.Targets.Take(Rows * outputs).Select(v => (double)v).ToArray();
        double ReferenceLoss(MlpNetwork network, double[][] parameters, double[] x, int[] labels) =>
            MlpGradientCheckTests.ReferenceLoss(network, parameters, x, labels, targets, kind);
        // The reference must reproduce the float forward before its differences mean anything.
        double referenceLoss = ReferenceLoss(network, parameters, x, labels);
        if (kind == MlpLossKind.Huber)
        {
            // Both branches of the Huber loss are exercised (checked on the float outputs of the forward pass).
            var residuals = pass.Logits[..(Rows * outputs)].ToArray().Zip(pass.Targets, (y, t) => Math.Abs(y - t)).ToArray();
            Assert.IsTrue(residuals.Any(r => r < HuberDelta * 0.9) && residuals.Any(r => r > HuberDelta * 1.1),
                $"residuals {string.Join(", ", residuals)} do not straddle delta {HuberDelta}");
        }
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
        if (after)
        {
            // The ReLU's mask must be exercised: each unit of the first hidden layer is active on some rows, not all.
            MlpLayer first = network.Layers[0];
            for (int o = 0; o < first.OutputSize; o++)
            {
                int active = 0;
                for (int i = 0; i < Rows; i++)
                {
                    double z = first.Bias![o];
                    for (int j = 0; j < Inputs; j++) z += x[i * Inputs + j] * first.Weights[o * Inputs + j];
                    if (z > 0) active++;
                }
                Assert.IsTrue(active > 0 && active < Rows, $"unit {o} of the first layer is active on {active} of {Rows} rows");
            }
        }
        int expected = useBatchNorm && !after ? 5 * 4 + 4 * 3 + 3 * outputs + outputs + 2 * (4 + 3)
            : after ? 5 * 4 + 4 * 3 + 3 * outputs + 4 + 3 + outputs + 2 * (4 + 3)
            : 5 * 4 + 4 * 3 + 3 * outputs + 4 + 3 + outputs;
        Assert.AreEqual(expected, checkedCount, "every weight, bias, gamma and beta was checked");
    }

    /// <summary>
    /// Training-mode forward in double: z = x W^T (+ b); with batch norm y = gamma (z - mean) / sqrt(var + eps) + beta
    /// (biased batch variance, Ioffe and Szegedy 2015, Algorithm 1); ReLU on hidden layers, after the batch norm or,
    /// for layers that place it after the activation, before it (z replaced by ReLU(z)); the mean loss of the kind
    /// (written out here from its definition: -log softmax; -y log s - (1 - y) log(1 - s) with s = 1 / (1 + e^-z);
    /// (y - t)^2; 0.5 r^2 or delta (|r| - delta / 2)).
    /// The parameter arrays come in <see cref="MlpTrainingPass.Parameters"/>' order: per layer W, b, gamma, beta.
    /// </summary>
    private static double ReferenceLoss(MlpNetwork network, double[][] parameters, double[] input, int[] labels, double[] targets,
        MlpLossKind kind)
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
            bool after = layer.HasBatchNormAfterActivation;
            if (after) for (int i = 0; i < z.Length; i++) z[i] = Math.Max(0, z[i]);
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
            if (layer.HasRelu && !after) for (int i = 0; i < z.Length; i++) z[i] = Math.Max(0, z[i]);
            x = z;
        }
        int k = network.ClassCount;
        double loss = 0;
        if (kind == MlpLossKind.SigmoidCrossEntropy)
        {
            for (int i = 0; i < n; i++)
            {
                double s = 1 / (1 + Math.Exp(-x[i]));
                loss -= labels[i] == 1 ? Math.Log(s) : Math.Log(1 - s);
            }
            return loss / n;
        }
        if (kind is MlpLossKind.SquaredError or MlpLossKind.Huber)
        {
            for (int i = 0; i < n * k; i++)
            {
                double r = x[i] - targets[i];
                loss += kind == MlpLossKind.SquaredError ? r * r
                    : Math.Abs(r) <= HuberDelta ? 0.5 * r * r : HuberDelta * (Math.Abs(r) - 0.5 * HuberDelta);
            }
            return loss / n;
        }
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
