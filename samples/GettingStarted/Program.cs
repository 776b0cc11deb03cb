// Getting started with Microsoft.ML.BatchNorm: batch normalization as one step of an ML.NET pipeline, and the
// batch-normalized MultilayerPerceptron trainer, on the UCI Wine data (178 wines, 13 measurements, 3 cultivars).
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.BatchNorm.Samples.GettingStarted;
using Microsoft.ML.Transforms;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var mlContext = new MLContext(seed: 1);

// 1. Load the data and hold out a quarter of it for testing.
var wine = WineData.Load();
IDataView data = mlContext.Data.LoadFromEnumerable(WineData.ToRows(wine));
var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.25, seed: 1);

// 2. The pipeline. BatchNormalize learns each feature's mean and variance in one pass over the training data and
//    maps x to (x - mean) / sqrt(variance + epsilon): proline (around 750) and hue (around 1) end up on the same scale.
var pipeline = mlContext.Transforms.BatchNormalize("Features")
    .Append(mlContext.Transforms.Conversion.MapValueToKey("Label"))
    .Append(mlContext.MulticlassClassification.Trainers.MultilayerPerceptron(
        hiddenLayerSizes: [32], numberOfEpochs: 50, batchSize: 16, learningRate: 0.005f))
    .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"));
var model = pipeline.Fit(split.TrainSet);

// 3. What BatchNormalize learned: find it in the fitted chain.
var statistics = model.OfType<BatchNormalizingTransformer>().Single().GetColumn("Features");
Console.WriteLine("Fitted statistics of BatchNormalize (training rows):");
Console.WriteLine($"  {"feature",-22} {"mean",10} {"variance",12} {"scale",9}");
foreach (int slot in new[] { 0, 1, 4, 10, 12 })
    Console.WriteLine($"  {WineData.FeatureNames[slot],-22} {statistics.Mean[slot],10:G5} {statistics.Variance[slot],12:G5} {statistics.Scale[slot],9:G4}");

// 4. Evaluate on the held-out rows.
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
Console.WriteLine($"Test accuracy: {metrics.MicroAccuracy:P1} (macro {metrics.MacroAccuracy:P1}), log-loss {metrics.LogLoss:F3}");

// 5. Save the whole pipeline. The network is not an ML.NET built-in, so plain Model.Save cannot hold it:
//    SaveWithNetworks writes one zip, and LoadWithNetworks reads it back, here in a fresh context.
string folder = Path.Combine(Path.GetTempPath(), "Microsoft.ML.BatchNorm.GettingStarted");
Directory.CreateDirectory(folder);
string modelPath = Path.Combine(folder, "wine-mlp.zip");
mlContext.Model.SaveWithNetworks(model, data.Schema, modelPath);
Console.WriteLine($"Saved the pipeline to {modelPath}");

var servingContext = new MLContext();
ITransformer loadedModel = servingContext.Model.LoadWithNetworks(modelPath, out _);
var engine = servingContext.Model.CreatePredictionEngine<WineRow, WinePrediction>(loadedModel);
// Every eighth test row: the file is sorted by cultivar, so this shows all three.
foreach (var row in mlContext.Data.CreateEnumerable<WineRow>(split.TestSet, reuseRowObject: false).Where((_, i) => i % 8 == 0))
{
    var prediction = engine.Predict(row);
    Console.WriteLine($"  true {wine.ClassNames[(int)row.Label]}, predicted {wine.ClassNames[(int)prediction.PredictedClass]} " +
        $"(probability {prediction.Score.Max():F3})");
}

// 6. A pipeline of BatchNormalize alone is saved by plain Model.Save (as ML.NET's own normalizers) and read back by
//    plain Model.Load, with no reference to this library. The options set gamma (Scale) and beta (Offset) per
//    feature; a column whose gammas have both signs would need the companion package BatchNormExtensions.ML.Onnx.
var normalizeOnly = mlContext.Transforms.BatchNormalize(new BatchNormalizingEstimator.Options
{
    Columns =
    [
        new BatchNormalizingEstimator.ColumnOptions("Normalized", "Features")
        {
            Scale = Enumerable.Repeat(0.5f, WineData.FeatureCount).ToArray(),   // gamma
            Offset = Enumerable.Repeat(0.5f, WineData.FeatureCount).ToArray(),  // beta
        },
    ],
}).Fit(split.TrainSet);
string plainPath = Path.Combine(folder, "wine-batchnorm.zip");
mlContext.Model.Save(normalizeOnly, data.Schema, plainPath);
ITransformer plainLoaded = new MLContext().Model.Load(plainPath, out _);

float largestDifference = mlContext.Data.CreateEnumerable<NormalizedWine>(normalizeOnly.Transform(split.TestSet), reuseRowObject: false)
    .Zip(mlContext.Data.CreateEnumerable<NormalizedWine>(plainLoaded.Transform(split.TestSet), reuseRowObject: false))
    .SelectMany(pair => pair.First.Normalized.Zip(pair.Second.Normalized, (a, b) => Math.Abs(a - b)))
    .Max();
Console.WriteLine($"Saved BatchNormalize alone with Model.Save to {plainPath}; reloaded with Model.Load: " +
    $"largest difference on the test rows {largestDifference:G3}");
