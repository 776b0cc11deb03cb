using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

// Our side of bench/peers.py: trains a MultilayerPerceptron on a train CSV, scores a test CSV, prints one JSON line
// per seed. CSV: no header, the features then the label (a number: class index, 0/1, or the regression target).
// Usage: --task multiclass|binary|regression --train FILE --test FILE [--epochs 10] [--seeds 5] [--batch 32]
//        [--hidden 256,128] [--init he|torch|glorot] [--no-normalize]
// The features go through BatchNormalize (standardization, fitted on the train file) unless --no-normalize.
var options = new Dictionary<string, string>();
bool normalize = true;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--no-normalize") normalize = false;
    else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length) options[args[i][2..]] = args[++i];
    else { Console.Error.WriteLine($"Unknown argument '{args[i]}'."); return 2; }
}
string task = options["task"];
int epochs = int.Parse(options.GetValueOrDefault("epochs", "10"), CultureInfo.InvariantCulture);
int seeds = int.Parse(options.GetValueOrDefault("seeds", "5"), CultureInfo.InvariantCulture);
int batch = int.Parse(options.GetValueOrDefault("batch", "32"), CultureInfo.InvariantCulture);
int[] hidden = options.GetValueOrDefault("hidden", "256,128").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var init = options.GetValueOrDefault("init", "default") switch
{
    "he" => MultilayerPerceptronInitialization.HeNormal,
    "torch" => MultilayerPerceptronInitialization.PyTorchUniform,
    "glorot" => MultilayerPerceptronInitialization.GlorotUniform,
    _ => (MultilayerPerceptronInitialization?)null,
};

var ml = new MLContext(seed: 1);
int featureCount = File.ReadLines(options["train"]).First().Split(',').Length - 1;
var columns = new[] { new TextLoader.Column("Features", DataKind.Single, 0, featureCount - 1), new TextLoader.Column("Label", DataKind.Single, featureCount) };
var train = ml.Data.LoadFromTextFile(options["train"], columns, separatorChar: ',');
var test = ml.Data.LoadFromTextFile(options["test"], columns, separatorChar: ',');
IEstimator<ITransformer> prepare = task switch
{
    "multiclass" => ml.Transforms.Conversion.MapValueToKey("Label"),
    "binary" => ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean),
    _ => ml.Transforms.CopyColumns("Label", "Label"),
};
if (normalize) prepare = prepare.Append(ml.Transforms.BatchNormalize("Features"));
var prepared = prepare.Fit(train);
var trainData = ml.Data.Cache(prepared.Transform(train));
var testData = prepared.Transform(test);

T Configure<T>(T o, int seed) where T : MultilayerPerceptronOptions
{
    o.NumberOfEpochs = epochs;
    o.BatchSize = batch;
    o.HiddenLayerSizes = hidden;
    o.Seed = seed;
    if (init is { } chosen) o.Initialization = chosen;
    return o;
}

for (int seed = 0; seed < seeds; seed++)
{
    var watch = System.Diagnostics.Stopwatch.StartNew();
    var result = new Dictionary<string, object> { ["task"] = task, ["seed"] = seed };
    switch (task)
    {
        case "multiclass":
        {
            var model = ml.MulticlassClassification.Trainers.MultilayerPerceptron(Configure(new MultilayerPerceptronTrainer.Options(), seed)).Fit(trainData);
            var m = ml.MulticlassClassification.Evaluate(model.Transform(testData));
            result["accuracy"] = m.MicroAccuracy;
            break;
        }
        case "binary":
        {
            var model = ml.BinaryClassification.Trainers.MultilayerPerceptron(Configure(new MultilayerPerceptronBinaryTrainer.Options(), seed)).Fit(trainData);
            var m = ml.BinaryClassification.Evaluate(model.Transform(testData));
            result["accuracy"] = m.Accuracy;
            result["auc"] = m.AreaUnderRocCurve;
            break;
        }
        default:
        {
            var model = ml.Regression.Trainers.MultilayerPerceptron(Configure(new MultilayerPerceptronRegressionTrainer.Options(), seed)).Fit(trainData);
            var m = ml.Regression.Evaluate(model.Transform(testData));
            result["r2"] = m.RSquared;
            result["rmse"] = m.RootMeanSquaredError;
            break;
        }
    }
    result["seconds"] = watch.Elapsed.TotalSeconds;
    Console.WriteLine(JsonSerializer.Serialize(result));
}
return 0;
