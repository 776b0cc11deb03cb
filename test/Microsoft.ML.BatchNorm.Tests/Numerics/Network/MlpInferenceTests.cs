using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>Inference with batch normalization folded into the dense weights against the unfolded eval-mode forward.</summary>
[TestClass]
public sealed class MlpInferenceTests
{
    /// <summary>
    /// Folded scoring equals the unfolded eval-mode forward within float rounding: batch normalization before the
    /// activation folded into its own dense layer, after the activation into the next layer's weights and bias.
    /// </summary>
    [TestMethod]
    [DataRow(true, false)]
    [DataRow(true, true)]
    [DataRow(false, false)]
    public void FoldedInferenceEqualsUnfoldedEvalForward(bool useBatchNorm, bool afterActivation)
    {
        const int inputs = 20, classes = 4, rows = 13;
        var random = new Random(3);
        MlpNetwork network = MlpNetwork.CreateInitialized(inputs, [16, 8], classes, useBatchNorm, 1e-3f, random,
            batchNormPlacement: afterActivation ? MlpBatchNormPlacement.AfterActivation : MlpBatchNormPlacement.BeforeActivation);
        Assert.AreEqual(afterActivation, network.Layers[0].HasBatchNormAfterActivation);
        // Non-trivial running statistics, gamma, beta and biases: with the initial ones folding is nearly the identity.
        foreach (MlpLayer layer in network.Layers)
        {
            for (int o = 0; o < layer.OutputSize; o++)
            {
                if (layer.Bias is not null) layer.Bias[o] = (float)(0.3 * MlpTestData.Gaussian(random));
                if (!layer.HasBatchNorm) continue;
                layer.Gamma![o] = (float)(1 + 0.5 * MlpTestData.Gaussian(random));
                layer.Beta![o] = (float)(0.5 * MlpTestData.Gaussian(random));
                layer.RunningMean![o] = (float)(2 * MlpTestData.Gaussian(random));
                layer.RunningVariance![o] = (float)(0.1 + 4 * random.NextDouble());
            }
        }
        var x = new float[rows * inputs];
        for (int i = 0; i < x.Length; i++) x[i] = (float)MlpTestData.Gaussian(random);

        MlpInference inference = network.CreateInference(maxRows: 16);
        var probabilities = new float[rows * classes];
        inference.PredictProbabilities(x, rows, probabilities);

        // The logits themselves (the softmax can hide an error common to a row's logits).
        double[] expectedLogits = UnfoldedLogits(network, x, rows);
        var logits = new float[rows * classes];
        inference.ComputeLogits(x, rows, logits);
        for (int i = 0; i < logits.Length; i++)
            Assert.AreEqual(expectedLogits[i], logits[i], 1e-5 * Math.Max(1, Math.Abs(expectedLogits[i])), $"logit {i}");

        double[] expected = UnfoldedProbabilities(network, x, rows);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], probabilities[i], 1e-5 * expected[i] + 1e-7, $"probability {i}");
        for (int i = 0; i < rows; i++)
            Assert.AreEqual(1.0, probabilities.AsSpan(i * classes, classes).ToArray().Sum(), 1e-5, $"row {i} sums to 1");

        // A few rows at a time take the dot-product path instead of the matrix product: same answers.
        MlpInference small = network.CreateInference(maxRows: 3);
        for (int start = 0; start < rows; start += 3)
        {
            int n = Math.Min(3, rows - start);
            var part = new float[n * classes];
            small.PredictProbabilities(x.AsSpan(start * inputs, n * inputs), n, part);
            for (int i = 0; i < part.Length; i++)
            {
                double e = expected[start * classes + i];
                Assert.AreEqual(e, part[i], 1e-5 * e + 1e-7, $"rows from {start}: probability {i}");
            }
        }
    }

    [TestMethod]
    public void ChecksRowCountAndSpanLengths()
    {
        MlpNetwork network = MlpNetwork.CreateInitialized(3, [4], 2, true, 1e-5f, new Random(0));
        MlpInference inference = network.CreateInference(2);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => inference.PredictProbabilities(new float[9], 3, new float[6]));
        Assert.ThrowsExactly<ArgumentException>(() => inference.PredictProbabilities(new float[5], 2, new float[4]));
        Assert.ThrowsExactly<ArgumentException>(() => inference.PredictProbabilities(new float[6], 2, new float[3]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => network.CreateInference(0));
        inference.PredictProbabilities([], 0, []); // nothing to do, no throw
    }

    [TestMethod]
    public void InferenceDoesNotSeeLaterParameterChanges()
    {
        MlpNetwork network = MlpNetwork.CreateInitialized(3, [4], 2, true, 1e-5f, new Random(0));
        MlpInference inference = network.CreateInference(1);
        float[] x = [0.5f, -1f, 2f];
        var before = new float[2];
        inference.PredictProbabilities(x, 1, before);
        network.Layers[0].Gamma![0] += 3f;
        network.Layers[1].Bias![0] += 3f;
        var after = new float[2];
        inference.PredictProbabilities(x, 1, after);
        CollectionAssert.AreEqual(before, after);
        var fresh = new float[2];
        network.CreateInference(1).PredictProbabilities(x, 1, fresh);
        Assert.AreNotEqual(before[0], fresh[0]);
    }

    /// <summary>Softmax of <see cref="UnfoldedLogits"/>.</summary>
    private static double[] UnfoldedProbabilities(MlpNetwork network, float[] input, int n)
    {
        double[] x = UnfoldedLogits(network, input, n);
        int k = network.ClassCount;
        for (int i = 0; i < n; i++)
        {
            double max = x.Skip(i * k).Take(k).Max(), sum = 0;
            for (int c = 0; c < k; c++) sum += Math.Exp(x[i * k + c] - max);
            for (int c = 0; c < k; c++) x[i * k + c] = Math.Exp(x[i * k + c] - max) / sum;
        }
        return x;
    }

    /// <summary>
    /// Eval mode in double, batch norm as its own step: y = (v - runningMean) / sqrt(runningVar + eps) * gamma + beta
    /// (Algorithm 2), with v the dense output before the ReLU, or the ReLU's output when the layer places it after.
    /// </summary>
    private static double[] UnfoldedLogits(MlpNetwork network, float[] input, int n)
    {
        double[] x = input.Select(v => (double)v).ToArray();
        foreach (MlpLayer layer in network.Layers)
        {
            int inSize = layer.InputSize, outSize = layer.OutputSize;
            var z = new double[n * outSize];
            for (int i = 0; i < n; i++)
                for (int o = 0; o < outSize; o++)
                {
                    double s = layer.Bias?[o] ?? 0;
                    for (int j = 0; j < inSize; j++) s += x[i * inSize + j] * layer.Weights[o * inSize + j];
                    bool after = layer.HasBatchNormAfterActivation;
                    if (after) s = Math.Max(0, s);
                    if (layer.HasBatchNorm)
                        s = (s - layer.RunningMean![o]) / Math.Sqrt(layer.RunningVariance![o] + (double)layer.BatchNormEpsilon)
                            * layer.Gamma![o] + layer.Beta![o];
                    z[i * outSize + o] = layer.HasRelu && !after ? Math.Max(0, s) : s;
                }
            x = z;
        }
        return x;
    }
}
