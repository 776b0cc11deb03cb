using Microsoft.ML.TestFramework;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.TransformsTests;

/// <summary>BatchNormalize through the generic public-API estimator checks (schema propagation, mapper, bad input, save/load, cursors).</summary>
[TestClass]
public sealed class BatchNormalizeConformanceTests
{
    private static readonly double[] Means = [3, -2, 0.5, 100];
    private static readonly double[] Stds = [1, 0.25, 2, 5];

    [TestMethod]
    public void ScalarColumn()
    {
        var ml = new MLContext(seed: 1);
        var fit = TransformTestData.Gaussian(50, [10], [3], seed: 1);
        var other = TransformTestData.Gaussian(20, [10], [3], seed: 2);
        var valid = new InMemoryDataBuilder().AddSingle("X", TransformTestData.Slot(fit, 0)).AddText("Name", Names(50)).Build();
        var validTransform = new InMemoryDataBuilder().AddSingle("X", TransformTestData.Slot(other, 0)).Build();
        var invalid = new InMemoryDataBuilder().AddText("X", Names(5)).Build();
        // A known-size vector where a scalar was fitted: fitting accepts it, the fitted transformer must not.
        var vectorX = TransformTestData.Vectors("X", TransformTestData.Gaussian(5, [0, 0], [1, 1], seed: 3));

        EstimatorChecks.Run(ml.Transforms.BatchNormalize("XNorm", "X"), valid, validTransform, invalid,
            new EstimatorCheckOptions { Context = ml, InvalidTransformInput = vectorX });
    }

    [TestMethod]
    public void VectorColumnReplacedInPlace()
    {
        var ml = new MLContext(seed: 1);
        var valid = new InMemoryDataBuilder()
            .AddSingleVector("Features", TransformTestData.Gaussian(60, Means, Stds, seed: 4), slotNames: ["a", "b", "c", "d"])
            .AddSingle("Label", Enumerable.Range(0, 60).Select(i => (float)(i % 3)).ToArray())
            .Build();
        var validTransform = TransformTestData.Vectors("Features", TransformTestData.Gaussian(7, Means, Stds, seed: 5));
        var invalid = new InMemoryDataBuilder().AddDoubleVector("Features", [[1, 2, 3, 4], [5, 6, 7, 8]]).Build();
        var wrongSize = TransformTestData.Vectors("Features", TransformTestData.Gaussian(5, [0, 0, 0], [1, 1, 1], seed: 6));

        // Output name = input name: the input column is hidden behind the output, as ML.NET's normalizers do.
        EstimatorChecks.Run(ml.Transforms.BatchNormalize("Features"), valid, validTransform, invalid,
            new EstimatorCheckOptions { Context = ml, InvalidTransformInput = wrongSize });
    }

    [TestMethod]
    public void TwoColumnsAtOnce()
    {
        var ml = new MLContext(seed: 1);
        var vectors = TransformTestData.Gaussian(40, Means, Stds, seed: 7);
        var scalars = TransformTestData.Gaussian(40, [-5], [0.1], seed: 8);
        var valid = new InMemoryDataBuilder().AddSingleVector("V", vectors).AddSingle("S", TransformTestData.Slot(scalars, 0)).Build();
        // The second column is missing: both the schema propagation and Fit must refuse.
        var invalid = TransformTestData.Vectors("V", vectors);

        var estimator = ml.Transforms.BatchNormalize([new InputOutputColumnPair("VNorm", "V"), new InputOutputColumnPair("SNorm", "S")],
            useUnbiasedVariance: true);
        EstimatorChecks.Run(estimator, valid, invalidInput: invalid, options: new EstimatorCheckOptions { Context = ml });
    }

    [TestMethod]
    public void SparseInput()
    {
        var ml = new MLContext(seed: 1);
        var rows = TransformTestData.Gaussian(80, Means, Stds, seed: 9, zeroFraction: 0.6);
        var sparse = new InMemoryDataBuilder().AddSparseSingleVector("Features", 4, InMemoryDataBuilder.ToSparse(rows)).Build();
        var dense = TransformTestData.Vectors("Features", rows);
        var variable = new InMemoryDataBuilder().AddSingleVector("Features", rows, variableSize: true).Build();

        EstimatorChecks.Run(ml.Transforms.BatchNormalize("Normalized", "Features"), sparse, dense, variable,
            new EstimatorCheckOptions { Context = ml });
    }

    [TestMethod]
    public void NegativeGammaIsNotSaveableButOtherwiseConforms()
    {
        var ml = new MLContext(seed: 1);
        var data = TransformTestData.Vectors("Features", TransformTestData.Gaussian(30, Means, Stds, seed: 10));
        var estimator = ml.Transforms.BatchNormalize(new Microsoft.ML.Transforms.BatchNormalizingEstimator.Options
        {
            Columns = [new("Features") { Scale = [1, -1, 2, 0.5f], Offset = [0, 1, 2, 3] }],
        });
        EstimatorChecks.Run(estimator, data, options: new EstimatorCheckOptions { Context = ml, Save = SaveExpectation.NotSupported });
    }

    private static string[] Names(int count) => Enumerable.Range(0, count).Select(i => $"row{i}").ToArray();
}
