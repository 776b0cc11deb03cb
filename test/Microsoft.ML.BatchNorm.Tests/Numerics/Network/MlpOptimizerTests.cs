using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.BatchNorm.Tests.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>Two optimizer steps against values worked out by hand (derivations in the comments).</summary>
[TestClass]
public sealed class MlpOptimizerTests
{
    private static readonly float[] Initial = [1.0f, -2.0f, 0.5f];
    private static readonly float[] Gradient1 = [0.5f, -1.0f, 2.0f];
    private static readonly float[] Gradient2 = [0.1f, 0.2f, -0.3f];

    [TestMethod]
    public void AdamTwoStepsMatchHandComputedValues()
    {
        // lr 0.1, b1 0.9, b2 0.999, eps 1e-8. Step 1: m = 0.1 g, v = 0.001 g^2, m_hat = g, v_hat = g^2, so
        // w -= 0.1 * g / (|g| + 1e-8) = 0.1 * sign(g): (0.9, -1.9, 0.4).
        // Step 2, element 0: m = 0.9 * 0.05 + 0.1 * 0.1 = 0.055; v = 0.999 * 0.00025 + 0.001 * 0.01 = 0.00025975;
        // m_hat = 0.055 / (1 - 0.81) = 0.2894737; v_hat = 0.00025975 / (1 - 0.998001) = 0.1299400;
        // w = 0.9 - 0.1 * 0.2894737 / 0.3604719 = 0.8196959. Elements 1 and 2 likewise.
        (float[] after1, float[] after2) = Run(p => new AdamOptimizer(p, 0.1f, 0.9f, 0.999f, 1e-8f, 0f), decay: false);
        AssertClose([0.9, -1.9, 0.4], after1);
        AssertClose([0.8196959, -1.8488974, 0.3447802], after2);
    }

    [TestMethod]
    public void AdamAppliesCoupledL2ToWeightsOnly()
    {
        // Same as above with lambda = 0.01 added to the gradient: g' = g + 0.01 w. Step 1 is still 0.1 * sign(g')
        // (to 1e-8); step 2, element 0: g' = 0.1 + 0.009 = 0.109, g1' = 0.51; m = 0.9 * 0.051 + 0.0109 = 0.0568;
        // v = 0.999 * 0.001 * 0.2601 + 0.001 * 0.011881 = 0.000271721; w = 0.9 - 0.1 * (0.0568 / 0.19) /
        // sqrt(0.000271721 / 0.001999) = 0.8189152.
        (float[] _, float[] decayed) = Run(p => new AdamOptimizer(p, 0.1f, 0.9f, 0.999f, 1e-8f, 0.01f), decay: true);
        AssertClose([0.8189152, -1.8470338, 0.3445866], decayed);
        (float[] _, float[] notDecayed) = Run(p => new AdamOptimizer(p, 0.1f, 0.9f, 0.999f, 1e-8f, 0.01f), decay: false);
        AssertClose([0.8196959, -1.8488974, 0.3447802], notDecayed);
    }

    [TestMethod]
    public void SgdMomentumTwoStepsMatchHandComputedValues()
    {
        // lr 0.1, mu 0.9. Step 1: v = g1, w = w0 - 0.1 g1 = (0.95, -1.9, 0.3).
        // Step 2: v = 0.9 g1 + g2 = (0.55, -0.7, 1.5), w = (0.95 - 0.055, -1.9 + 0.07, 0.3 - 0.15) = (0.895, -1.83, 0.15).
        (float[] after1, float[] after2) = Run(p => new SgdMomentumOptimizer(p, 0.1f, 0.9f, 0f), decay: false);
        AssertClose([0.95, -1.9, 0.3], after1);
        AssertClose([0.895, -1.83, 0.15], after2);
        // lambda = 0.01: step 1 g' = g1 + 0.01 w0 = (0.51, -1.02, 2.005), w = (0.949, -1.898, 0.2995);
        // step 2 g' = g2 + 0.01 w1 = (0.10949, 0.18102, -0.297005), v = 0.9 * g1' + g2' = (0.56849, -0.73698, 1.507495),
        // w = (0.892151, -1.824302, 0.1487505).
        (float[] d1, float[] d2) = Run(p => new SgdMomentumOptimizer(p, 0.1f, 0.9f, 0.01f), decay: true);
        AssertClose([0.949, -1.898, 0.2995], d1);
        AssertClose([0.892151, -1.824302, 0.1487505], d2);
    }

    [TestMethod]
    public void VectorizedUpdatesMatchScalarFormulasOnLongArrays()
    {
        // 37 elements: several SIMD vectors and a scalar tail; expected values from the textbook formulas in double.
        const int length = 37;
        var random = new Random(5);
        float[] w0 = Enumerable.Range(0, length).Select(_ => (float)MlpTestData.Gaussian(random)).ToArray();
        float[][] grads = [.. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, length).Select(_ => (float)MlpTestData.Gaussian(random)).ToArray())];
        const double lr = 0.01, b1 = 0.8, b2 = 0.99, eps = 1e-6, l2 = 0.05;

        float[] w = (float[])w0.Clone();
        var g = new float[length];
        var adam = new AdamOptimizer([new MlpParameter(w, g, applyWeightDecay: true)], (float)lr, (float)b1, (float)b2, (float)eps, (float)l2);
        double[] expected = w0.Select(v => (double)v).ToArray();
        var m = new double[length];
        var v2 = new double[length];
        for (int t = 1; t <= grads.Length; t++)
        {
            grads[t - 1].CopyTo(g, 0);
            adam.Step();
            for (int i = 0; i < length; i++)
            {
                double gi = grads[t - 1][i] + l2 * expected[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v2[i] = b2 * v2[i] + (1 - b2) * gi * gi;
                expected[i] -= lr * (m[i] / (1 - Math.Pow(b1, t))) / (Math.Sqrt(v2[i] / (1 - Math.Pow(b2, t))) + eps);
            }
        }
        AssertClose(expected, w);
        Assert.AreEqual(3L, adam.StepCount);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void StepsAllocateNothing(bool adam)
    {
        MlpOptimizerKind kind = adam ? MlpOptimizerKind.Adam : MlpOptimizerKind.SgdMomentum;
        // After a warm-up no step may allocate.
        MlpParameter[] parameters = [new(new float[300_000], new float[300_000], true), new(new float[1000], new float[1000], false)];
        MlpOptimizer optimizer = MlpOptimizer.Create(new MlpTrainingSettings { Optimizer = kind, L2Regularization = 1e-4f }, parameters);
        parameters[0].Gradient.AsSpan().Fill(0.5f);
        AllocationAssert.NothingAfterWarmUp(optimizer.Step, 50, "steps");
        Assert.IsTrue(parameters[0].Value.All(v => v < 0 && v == parameters[0].Value[0]), "every element got the same update");
    }

    private static (float[] AfterStep1, float[] AfterStep2) Run(Func<MlpParameter[], MlpOptimizer> create, bool decay)
    {
        float[] w = (float[])Initial.Clone();
        var gradient = new float[w.Length];
        MlpOptimizer optimizer = create([new MlpParameter(w, gradient, decay)]);
        Gradient1.CopyTo(gradient, 0);
        optimizer.Step();
        float[] after1 = (float[])w.Clone();
        Gradient2.CopyTo(gradient, 0);
        optimizer.Step();
        CollectionAssert.AreEqual(Gradient2, gradient, "the optimizer must not modify the gradient");
        return (after1, w);
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.AreEqual(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 2e-6 * Math.Max(1, Math.Abs(expected[i])), $"element {i}");
    }
}
