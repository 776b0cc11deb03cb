using Microsoft.ML.TestFramework;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

[TestClass]
public sealed class MultilayerPerceptronConformanceTests
{
    private static (IDataView Keyed, IDataView Raw) Digits(MLContext ml, int rows)
    {
        var data = ml.Data.LoadFromEnumerable(TestDatasets.Digits().Take(rows).ToArray());
        return (ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data), data);
    }

    [TestMethod]
    public void TrainerPassesTheEstimatorChecksAndRefusesPlainSave()
    {
        var ml = new MLContext(seed: 1);
        var (keyed, raw) = Digits(ml, 200);
        var trainer = ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [16], numberOfEpochs: 1);
        EstimatorChecks.Run(trainer, keyed, invalidInput: raw, options: new EstimatorCheckOptions { Save = SaveExpectation.NotSupported });
    }

    [TestMethod]
    public void TrainerRoundTripsThroughSaveWithNetworks()
    {
        var ml = new MLContext(seed: 1);
        var (keyed, _) = Digits(ml, 200);
        var trainer = ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [16], numberOfEpochs: 1);
        EstimatorChecks.Run(trainer, keyed, options: new EstimatorCheckOptions
        {
            SaveAndLoad = (model, schema) =>
            {
                string path = Path.Combine(Path.GetTempPath(), $"mlp-conformance-{Guid.NewGuid():N}.zip");
                try
                {
                    new MLContext().Model.SaveWithNetworks(model, schema, path);
                    return new MLContext().Model.LoadWithNetworks(path, out _);
                }
                finally
                {
                    File.Delete(path);
                }
            },
        });
    }
}
