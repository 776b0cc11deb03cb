using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

/// <summary>
/// The trainers' <see cref="MultilayerPerceptronOptions.BatchRenormalization"/> and
/// <see cref="MultilayerPerceptronOptions.VirtualBatchSize"/>: checked when the trainer is created (the exception names
/// the option), and passed to the network core (settings that must equal plain batch normalization do so bit for bit,
/// and the others change the trained model), for the three tasks' shared options.
/// </summary>
[TestClass]
public sealed class MultilayerPerceptronSmallBatchOptionsTests
{
    private static readonly Lazy<DigitRow[]> DigitRows = new(TestDatasets.Digits);

    [TestMethod]
    public void OutOfRangeOptionsAreNamed()
    {
        void Throws(string name, Action<MultilayerPerceptronTrainer.Options> change)
        {
            var options = new MultilayerPerceptronTrainer.Options();
            change(options);
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MultilayerPerceptronTrainer(options), name);
            Assert.AreEqual(name, e.ParamName);
            StringAssert.Contains(e.Message, name);
        }
        Throws("VirtualBatchSize", o => o.VirtualBatchSize = 1);
        Throws("VirtualBatchSize", o => o.VirtualBatchSize = 33);
        Throws("VirtualBatchSize", o => { o.VirtualBatchSize = 8; o.UseBatchNormalization = false; });
        Throws("BatchRenormalization", o => { o.BatchRenormalization = new(); o.UseBatchNormalization = false; });
        Throws("BatchRenormalization.RMax", o => o.BatchRenormalization = new() { RMax = 0.9f });
        Throws("BatchRenormalization.DMax", o => o.BatchRenormalization = new() { DMax = -0.1f });
        Throws("BatchRenormalization.WarmUpSteps", o => o.BatchRenormalization = new() { WarmUpSteps = -1 });
        Throws("BatchRenormalization.Momentum", o => o.BatchRenormalization = new() { Momentum = -0.5f });
        _ = new MultilayerPerceptronBinaryTrainer(new MultilayerPerceptronBinaryTrainer.Options { VirtualBatchSize = 32, BatchRenormalization = new() });
        var regression = new MultilayerPerceptronRegressionTrainer.Options { VirtualBatchSize = 0 };
        Assert.AreEqual("VirtualBatchSize",
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MultilayerPerceptronRegressionTrainer(regression)).ParamName);
    }

    [TestMethod]
    public void TheOptionsReachTheTraining()
    {
        var ml = new MLContext(seed: 1);
        (DigitRow[] train, _) = TestDatasets.Split(DigitRows.Value);
        IDataView data = ml.Data.LoadFromEnumerable(train);
        float[][] Fit(Action<MultilayerPerceptronTrainer.Options> change)
        {
            var options = new MultilayerPerceptronTrainer.Options { HiddenLayerSizes = [16], NumberOfEpochs = 2, BatchSize = 16 };
            change(options);
            ITransformer model = MultilayerPerceptronTrainerTests.DigitsPipeline(ml, options).Fit(data);
            return MultilayerPerceptronTrainerTests.Network(model).Model.Layers
                .SelectMany(l => new[] { l.Weights, l.Bias, l.Gamma, l.Beta, l.RunningMean, l.RunningVariance })
                .Where(a => a is not null).Select(a => a!.ToArray()).ToArray();
        }
        bool Same(float[][] a, float[][] b) => a.Length == b.Length && a.Zip(b).All(p => p.First.AsSpan().SequenceEqual(p.Second));

        float[][] plain = Fit(_ => { });
        Assert.IsTrue(Same(plain, Fit(o => o.VirtualBatchSize = 16)), "a virtual batch of the whole mini-batch is plain batch norm");
        Assert.IsFalse(Same(plain, Fit(o => o.VirtualBatchSize = 4)), "virtual batches of 4 changed nothing");
        Assert.IsTrue(Same(plain, Fit(o => o.BatchRenormalization = new() { RMax = 1, DMax = 0, WarmUpSteps = 0 })),
            "closed bounds are plain batch norm");
        Assert.IsTrue(Same(plain, Fit(o => o.BatchRenormalization = new())), "the default warm-up (5000 steps) outlasts 2 epochs");
        Assert.IsFalse(Same(plain, Fit(o => o.BatchRenormalization = new() { WarmUpSteps = 0, RMaxRelaxationSteps = 0, DMaxRelaxationSteps = 0 })),
            "open bounds changed nothing");
    }
}
