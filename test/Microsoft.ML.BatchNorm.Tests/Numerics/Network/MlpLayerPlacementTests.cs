using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>What a layer with batch normalization after its activation needs: the batch-norm arrays, a ReLU and a bias.</summary>
[TestClass]
public sealed class MlpLayerPlacementTests
{
    private static MlpLayer Layer(bool bias, bool batchNorm, bool relu, MlpBatchNormPlacement placement) =>
        new(2, 3, new float[6], bias ? new float[3] : null, batchNorm ? [1, 1, 1] : null, batchNorm ? new float[3] : null,
            batchNorm ? new float[3] : null, batchNorm ? [1, 1, 1] : null, 1e-5f, relu, placement);

    [TestMethod]
    public void AfterTheActivationNeedsBatchNormReluAndBias()
    {
        var after = MlpBatchNormPlacement.AfterActivation;
        Assert.IsTrue(Layer(bias: true, batchNorm: true, relu: true, after).HasBatchNormAfterActivation);
        foreach (var (bias, batchNorm, relu) in new[] { (false, true, true), (true, false, true), (true, true, false) })
        {
            var error = Assert.ThrowsExactly<ArgumentException>(() => Layer(bias, batchNorm, relu, after), $"bias {bias}, BN {batchNorm}, ReLU {relu}");
            Assert.AreEqual("batchNormPlacement", error.ParamName);
        }
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Layer(true, true, true, (MlpBatchNormPlacement)5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MlpTrainingSettings { BatchNormPlacement = (MlpBatchNormPlacement)5 }.Validate());
        // Before the activation, the layer may drop its bias (beta takes its role).
        Assert.IsFalse(Layer(bias: false, batchNorm: true, relu: true, MlpBatchNormPlacement.BeforeActivation).HasBatchNormAfterActivation);
    }
}
