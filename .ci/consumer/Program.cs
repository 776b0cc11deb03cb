// What a user of the BatchNormExtensions.ML package writes: .ci/run copies this file and data/wine_data.csv into a
// fresh console project outside the repository and runs it with the package as restored from NuGet.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

string path = args.Length > 0 ? args[0] : "wine_data.csv";
int seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
var ml = new MLContext(seed);
// The first line ("178,13,class_0,class_1,class_2": rows, features, class names) is not a data row: hasHeader skips it.
IDataView data = ml.Data.LoadFromTextFile<WineRow>(path, separatorChar: ',', hasHeader: true);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: seed);
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.BatchNormalize("Features"))
    .Append(ml.MulticlassClassification.Trainers.MultilayerPerceptron(
        hiddenLayerSizes: [32], numberOfEpochs: 50, batchSize: 16, learningRate: 0.005f));
var model = pipeline.Fit(split.TrainSet);
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MicroAccuracy={metrics.MicroAccuracy:F4}"));

/// <summary>One wine: 13 measurements, then the cultivar (0, 1 or 2).</summary>
public sealed class WineRow
{
    [LoadColumn(0, 12), VectorType(13)] public float[] Features { get; set; } = [];
    [LoadColumn(13)] public float Label { get; set; }
}
