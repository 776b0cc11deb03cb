using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>A row of the binary and regression tests: features, a Boolean label and a Single target.</summary>
public sealed class ScalarTaskRow
{
    public float[] Features { get; set; } = [];

    public bool Label { get; set; }

    public float Target { get; set; }
}

/// <summary>What the child saw after loading a binary or regression model.</summary>
public sealed class ScalarTaskReport
{
    public string[] OurAssembliesBeforeLoad { get; set; } = [];
    public string? Error { get; set; }
    public string[] ColumnNames { get; set; } = [];
    public Dictionary<string, string> ColumnTypes { get; set; } = [];
    public Dictionary<string, string[]> ColumnAnnotations { get; set; } = [];
    public float[] Scores { get; set; } = [];
    public float[] Probabilities { get; set; } = [];
    public bool[] PredictedLabels { get; set; } = [];
    /// <summary>Binary: AreaUnderRocCurve, Accuracy, LogLoss; regression: RootMeanSquaredError, MeanAbsoluteError, RSquared.</summary>
    public double[] Metrics { get; set; } = [];
    /// <summary>PredictionEngine on the first rows: Score (and binary Probability and PredictedLabel).</summary>
    public float[] EngineScores { get; set; } = [];
    public float[] EngineProbabilities { get; set; } = [];
    public bool[] EngineLabels { get; set; } = [];
    /// <summary>LoadWithNetworks: the type name of the network transformer found in the loaded chain.</summary>
    public string[] NetworkTypes { get; set; } = [];
}

/// <summary>
/// The child process of the binary and regression tests (the same machinery as <see cref="ChildProcess"/>):
/// loads a model with plain <c>new MLContext().Model.Load</c> (touching no type of ours first) or with
/// <c>LoadWithNetworks</c>, scores the rows, evaluates them with the task's evaluator and reports as JSON.
/// </summary>
public static class ScalarTaskChild
{
    public const string Mode = "scalar-task";

    /// <summary>How many rows the child scores with a PredictionEngine.</summary>
    public const int EngineRows = 10;

    public sealed class BinaryPrediction
    {
        public bool PredictedLabel { get; set; }
        public float Score { get; set; }
        public float Probability { get; set; }
    }

    public sealed class RegressionPrediction
    {
        public float Score { get; set; }
    }

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Runs the child on <paramref name="modelPath"/>; <paramref name="task"/> is "binary" or "regression".</summary>
    public static ScalarTaskReport Load(string modelPath, ScalarTaskRow[] rows, string task, bool withNetworks)
    {
        string rowsPath = Path.ChangeExtension(modelPath, ".rows.json");
        string reportPath = Path.ChangeExtension(modelPath, ".report.json");
        File.WriteAllText(rowsPath, JsonSerializer.Serialize(rows, Json));
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "exec", typeof(ScalarTaskChild).Assembly.Location, Mode, task, withNetworks ? ChildProcess.NetworksLoad : ChildProcess.PlainLoad, modelPath, rowsPath, reportPath })
                start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.AreEqual(0, process.ExitCode, $"child process failed:\n{stdout}\n{stderr.Result}");
            return JsonSerializer.Deserialize<ScalarTaskReport>(File.ReadAllText(reportPath), Json)!;
        }
        finally
        {
            File.Delete(rowsPath);
            File.Delete(reportPath);
        }
    }

    public static IDataView Data(MLContext ml, ScalarTaskRow[] rows)
    {
        var schema = SchemaDefinition.Create(typeof(ScalarTaskRow));
        schema[nameof(ScalarTaskRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Features.Length);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>The task's metrics of <paramref name="scored"/> (see <see cref="ScalarTaskReport.Metrics"/>).</summary>
    public static double[] Metrics(MLContext ml, IDataView scored, string task)
    {
        if (task == "binary")
        {
            var m = ml.BinaryClassification.Evaluate(scored);
            return [m.AreaUnderRocCurve, m.Accuracy, m.LogLoss];
        }
        var r = ml.Regression.Evaluate(scored, labelColumnName: nameof(ScalarTaskRow.Target));
        return [r.RootMeanSquaredError, r.MeanAbsoluteError, r.RSquared];
    }

    // Kept out of Run (never inlined) so that the plain-load path touches no type of ours.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static ITransformer LoadWithNetworks(MLContext ml, string path, ScalarTaskReport report)
    {
        var model = ml.Model.LoadWithNetworks(path, out _);
        report.NetworkTypes = ((IEnumerable<ITransformer>)model).OfType<Trainers.MultilayerPerceptronPredictionTransformerBase>().Select(t => t.GetType().Name).ToArray();
        return model;
    }

    /// <summary>args: Mode, task, plain-load|networks-load, model, rows, report.</summary>
    public static int Run(string[] args)
    {
        var report = new ScalarTaskReport
        {
            OurAssembliesBeforeLoad = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name!)
                .Where(n => n.StartsWith("Microsoft.ML.BatchNorm", StringComparison.Ordinal) && n != typeof(ScalarTaskChild).Assembly.GetName().Name).ToArray(),
        };
        string task = args[1];
        var rows = JsonSerializer.Deserialize<ScalarTaskRow[]>(File.ReadAllText(args[4]), Json)!;
        var ml = new MLContext();
        ITransformer model;
        try
        {
            model = args[2] == ChildProcess.NetworksLoad ? LoadWithNetworks(ml, args[3], report) : ml.Model.Load(args[3], out _);
        }
        catch (Exception e)
        {
            report.Error = $"{e.GetType().FullName}: {e.Message}";
            File.WriteAllText(args[5], JsonSerializer.Serialize(report, Json));
            return 0;
        }
        var scored = model.Transform(Data(ml, rows));
        report.ColumnNames = scored.Schema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray();
        foreach (var column in scored.Schema.Where(c => !c.IsHidden))
        {
            report.ColumnTypes[column.Name] = column.Type.ToString()!;
            report.ColumnAnnotations[column.Name] = AnnotationText.Describe(column.Annotations);
        }
        report.Scores = scored.GetColumn<float>("Score").ToArray();
        if (task == "binary")
        {
            report.Probabilities = scored.GetColumn<float>("Probability").ToArray();
            report.PredictedLabels = scored.GetColumn<bool>("PredictedLabel").ToArray();
        }
        var schema = SchemaDefinition.Create(typeof(ScalarTaskRow));
        schema[nameof(ScalarTaskRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Features.Length);
        if (task == "binary")
        {
            var engine = ml.Model.CreatePredictionEngine<ScalarTaskRow, BinaryPrediction>(model, inputSchemaDefinition: schema);
            var predictions = rows.Take(EngineRows).Select(engine.Predict).ToArray();
            report.EngineScores = predictions.Select(p => p.Score).ToArray();
            report.EngineProbabilities = predictions.Select(p => p.Probability).ToArray();
            report.EngineLabels = predictions.Select(p => p.PredictedLabel).ToArray();
        }
        else
        {
            var engine = ml.Model.CreatePredictionEngine<ScalarTaskRow, RegressionPrediction>(model, inputSchemaDefinition: schema);
            report.EngineScores = rows.Take(EngineRows).Select(r => engine.Predict(r).Score).ToArray();
        }
        report.Metrics = Metrics(ml, scored, task);
        File.WriteAllText(args[5], JsonSerializer.Serialize(report, Json));
        return 0;
    }
}
