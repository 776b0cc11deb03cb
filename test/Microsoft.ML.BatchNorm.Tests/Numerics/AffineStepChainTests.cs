using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>
/// The plain-save form of a batch-norm slot: the planned chain of float steps stays within
/// 8 u (|beta| + |a| |x - mean|) of the float64 map on inputs the planner never probed, over means, slopes and betas of
/// very different sizes and both signs; one affine step (ML.NET's single normalizer, the form saved before) does not.
/// </summary>
[TestClass]
public sealed class AffineStepChainTests
{
    private static readonly double[] Means = [0, 1e-30, 3.3, -7.77, 1e4 + 0.123456789, -3e4 - 0.0007, 1e7 + 0.3, 3.3e20];
    private static readonly double[] Slopes = [1e-3, 1, 10, 1e4, 1e6, 0];
    private static readonly float[] Betas = [0, 1, -1e6f, 1e-20f, 0.25f];

    [TestMethod]
    public void ChainStaysWithinTheBoundOnRandomInputs()
    {
        var random = new Random(5);
        int plans = 0;
        foreach (double mean in Means)
        foreach (double slope in Slopes)
        foreach (int sign in new[] { 1, -1 })
        foreach (float beta in Betas)
        {
            double a = sign * slope;
            Assert.IsTrue(AffineStepChain.TryPlan(mean, a, beta, negate: sign < 0, out var plan, out string reason),
                $"mean {mean}, a {a}, beta {beta}: {reason}");
            plans++;
            foreach (var step in new[] { plan.First, plan.Second })
                Assert.IsTrue(step.Scale == 0 || IsPowerOfTwo(step.Scale), $"mean {mean}, a {a}, beta {beta}: step scale {step.Scale} is not a power of two");
            // Inputs from 1e-4 to 1e3 standard units (1 / |a|) around the mean, and floats right next to it.
            double unit = slope == 0 ? 1 : 1 / slope;
            for (int k = 0; k < 200; k++)
            {
                double offset = unit * Math.Pow(10, -4 + 7 * random.NextDouble()) * (random.Next(2) == 0 ? 1 : -1);
                float x = k < 10 ? MathF.BitIncrement((float)mean) - k * (MathF.BitIncrement((float)mean) - (float)mean) : (float)(mean + offset);
                AssertWithinBound(plan.Evaluate(x, sign < 0), x, mean, a, beta);
            }
        }
        Assert.AreEqual(Means.Length * Slopes.Length * 2 * Betas.Length, plans);
    }

    [TestMethod]
    public void OneAffineStepIsNotExactForALargeMean()
    {
        // The form saved before: offset (float)(mean - beta / a), scale (float)a. At mean 1e4 and std 0.1 the offset's
        // float rounding alone moves y by up to |a| ulp(1e4) / 2 = 5e-3, thousands of times the bound near the mean.
        double mean = 1e4 + 0.0123, a = 10;
        float beta = 0.5f;
        float offset = (float)(mean - beta / a), scale = (float)a;
        double worst = 0;
        for (int k = -50; k <= 50; k++)
        {
            float x = (float)(mean + k * 0.01);
            double exact = a * (x - mean) + beta;
            double bound = AffineStepChain.Bound(a, beta, x, mean);
            worst = Math.Max(worst, Math.Abs((x - offset) * scale - exact) / bound);
        }
        Assert.IsGreaterThan(100.0, worst, "one step should miss the bound by far");
        Assert.IsTrue(AffineStepChain.TryPlan(mean, a, beta, negate: false, out _, out _));
    }

    private static void AssertWithinBound(float actual, float x, double mean, double a, float beta)
    {
        double exact = a * (x - mean) + beta;
        double bound = AffineStepChain.Bound(a, beta, x, mean);
        Assert.IsLessThanOrEqualTo(bound, Math.Abs(actual - exact), $"mean {mean}, a {a}, beta {beta}, x {x}: got {actual}, float64 {exact}");
    }

    private static bool IsPowerOfTwo(float value) => value > 0 && (BitConverter.SingleToInt32Bits(value) & 0x7FFFFF) == 0;
}
