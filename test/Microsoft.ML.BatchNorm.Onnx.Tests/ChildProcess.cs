using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.TestFramework;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>What the child process saw after loading a model with plain <c>new MLContext().Model.Load</c>.</summary>
public sealed class LoadReport
{
    public string[] OurAssembliesBeforeLoad { get; set; } = [];
    public string? Error { get; set; }
    public string? ErrorType { get; set; }
    /// <summary>The visible columns' names, in order.</summary>
    public string[] ColumnNames { get; set; } = [];
    public Dictionary<string, string> ColumnTypes { get; set; } = [];
    /// <summary>Per visible column, its annotations as <see cref="AnnotationText.Describe"/> gives them (values included).</summary>
    public Dictionary<string, string[]> ColumnAnnotations { get; set; } = [];
    /// <summary>The type of <c>MapKeyToValue("PredictedValue", "PredictedLabel")</c> appended after loading.</summary>
    public string PredictedValueType { get; set; } = "";
    /// <summary>Its value on every row (<see cref="CellReader.Describe"/>).</summary>
    public string[] PredictedValues { get; set; } = [];
    public float[][] Scores { get; set; } = [];
    public uint[] PredictedLabels { get; set; } = [];
    public float[][] EngineScores { get; set; } = [];
    public uint[] EngineLabels { get; set; } = [];
    public double MicroAccuracy { get; set; }
    public double LoadSeconds { get; set; }
    public int NetworkTransformers { get; set; }
    public int[] HistoryLengths { get; set; } = [];

    /// <summary><see cref="ChildProcess.PlainLoadColumn"/>: the visible schema after loading, and the named column's values per row.</summary>
    public string[] Schema { get; set; } = [];
    public float[][] ColumnValues { get; set; } = [];
    public string[] ColumnSlotNames { get; set; } = [];
}

/// <summary>
/// Runs this test assembly as a fresh process (<c>dotnet exec</c>, with its own deps.json, so the same assemblies a
/// user's program references are found) that loads a model file the way a user would: <c>new MLContext().Model.Load</c>,
/// no registration, no type of this repository's packages touched first; then scores rows with Transform,
/// a PredictionEngine and Evaluate, and writes a <see cref="LoadReport"/> as JSON.
/// </summary>
public static class ChildProcess
{
    /// <summary>Loads with plain <c>new MLContext().Model.Load</c>.</summary>
    public const string PlainLoad = "plain-load";

    /// <summary>Loads with our <c>mlContext.Model.LoadWithNetworks</c>.</summary>
    public const string NetworksLoad = "networks-load";

    // NaN scores (rows with a NaN feature) travel as "NaN".
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Loads with plain <c>new MLContext().Model.Load</c> and reports one float vector column (no Score needed).</summary>
    public const string PlainLoadColumn = "plain-load-column";

    public sealed class EngineOutput
    {
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }

    /// <summary>Starts the child on <paramref name="modelPath"/> and the rows, and returns its report.</summary>
    public static LoadReport LoadInFreshProcess(string modelPath, LabeledRow[] rows, string how = PlainLoad, string? column = null)
    {
        string rowsPath = Path.ChangeExtension(modelPath, ".rows.bin");
        string reportPath = Path.ChangeExtension(modelPath, ".report.json");
        WriteRows(rowsPath, rows);
        try
        {
            string assembly = typeof(ChildProcess).Assembly.Location;
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "exec", assembly, how, modelPath, rowsPath, reportPath })
                start.ArgumentList.Add(a);
            if (column is not null)
                start.ArgumentList.Add(column);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.AreEqual(0, process.ExitCode, $"child process failed:\n{stdout}\n{stderr.Result}");
            return JsonSerializer.Deserialize<LoadReport>(File.ReadAllText(reportPath), Json)!;
        }
        finally
        {
            File.Delete(rowsPath);
            File.Delete(reportPath);
        }
    }

    private static void WriteRows(string path, LabeledRow[] rows)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(rows.Length);
        writer.Write(rows[0].Features.Length);
        foreach (var row in rows)
        {
            writer.Write(row.Label);
            foreach (float v in row.Features) writer.Write(v);
        }
    }

    private static LabeledRow[] ReadRows(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var rows = new LabeledRow[reader.ReadInt32()];
        int d = reader.ReadInt32();
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = new LabeledRow { Label = reader.ReadString(), Features = new float[d] };
            for (int j = 0; j < d; j++) rows[i].Features[j] = reader.ReadSingle();
        }
        return rows;
    }

    // A separate method, never inlined (the JIT would load our assembly to inline it), so that the plain-load path
    // touches no type of ours.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static ITransformer LoadWithNetworks(MLContext ml, string path, LoadReport report)
    {
        var model = ml.Model.LoadWithNetworks(path, out _);
        var networks = ((IEnumerable<ITransformer>)model).OfType<Trainers.MultilayerPerceptronPredictionTransformer>().ToArray();
        report.NetworkTransformers = networks.Length;
        report.HistoryLengths = networks.Select(n => n.Model.History.Count).ToArray();
        return model;
    }

    /// <summary>What <c>MapKeyToValue</c> makes of PredictedLabel: its type, and its value on every row.</summary>
    public static (string Type, string[] Values) PredictedValues(MLContext ml, IDataView scored)
    {
        var mapped = ml.Transforms.Conversion.MapKeyToValue("PredictedValue", "PredictedLabel").Fit(scored).Transform(scored);
        return (mapped.Schema["PredictedValue"].Type.ToString()!, DataViewReader.ReadColumn(mapped, "PredictedValue").Select(CellReader.Describe).ToArray());
    }

    public static int Run(string[] args)
    {
        bool oneColumn = args.Length == 5 && args[0] == PlainLoadColumn;
        if (!oneColumn && (args.Length != 4 || (args[0] != PlainLoad && args[0] != NetworksLoad)))
        {
            Console.Error.WriteLine($"usage: {PlainLoad}|{NetworksLoad} <model.zip> <rows.bin> <report.json>, or {PlainLoadColumn} <model.zip> <rows.bin> <report.json> <column>");
            return 2;
        }
        var report = new LoadReport
        {
            OurAssembliesBeforeLoad = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name!)
                .Where(n => n.StartsWith("Microsoft.ML.BatchNorm", StringComparison.Ordinal) && n != typeof(ChildProcess).Assembly.GetName().Name).ToArray(),
        };
        var rows = ReadRows(args[2]);
        var ml = new MLContext();
        ITransformer model;
        var clock = Stopwatch.StartNew();
        try
        {
            model = args[0] == NetworksLoad ? LoadWithNetworks(ml, args[1], report) : ml.Model.Load(args[1], out _);
        }
        catch (Exception e)
        {
            var messages = new List<string>();
            for (var inner = e; inner is not null; inner = inner.InnerException)
                messages.Add($"{inner.GetType().FullName}: {inner.Message}");
            report.Error = string.Join(" ---> ", messages);
            report.ErrorType = e.GetType().FullName;
            File.WriteAllText(args[3], JsonSerializer.Serialize(report, Json));
            return 0;
        }
        var data = OnnxTestData.Load(ml, rows);
        var scored = model.Transform(data);
        report.LoadSeconds = clock.Elapsed.TotalSeconds;
        report.ColumnNames = scored.Schema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray();
        if (oneColumn)
        {
            report.Schema = scored.Schema.Select(c => $"{c.Name}: {c.Type}{(c.IsHidden ? " (hidden)" : "")} [{string.Join(", ", c.Annotations.Schema.Select(a => a.Name))}]").ToArray();
            report.ColumnValues = scored.GetColumn<float[]>(args[4]).ToArray();
            if (scored.Schema[args[4]].HasSlotNames())
            {
                var names = default(VBuffer<ReadOnlyMemory<char>>);
                scored.Schema[args[4]].GetSlotNames(ref names);
                report.ColumnSlotNames = names.DenseValues().Select(n => n.ToString()).ToArray();
            }
            File.WriteAllText(args[3], JsonSerializer.Serialize(report, Json));
            return 0;
        }
        foreach (var column in scored.Schema.Where(c => !c.IsHidden))
        {
            report.ColumnTypes[column.Name] = column.Type.ToString()!;
            report.ColumnAnnotations[column.Name] = AnnotationText.Describe(column.Annotations);
        }
        (report.PredictedValueType, report.PredictedValues) = PredictedValues(ml, scored);
        report.Scores = scored.GetColumn<float[]>("Score").ToArray();
        report.PredictedLabels = scored.GetColumn<uint>("PredictedLabel").ToArray();
        var engine = ml.Model.CreatePredictionEngine<LabeledRow, EngineOutput>(model, inputSchemaDefinition: OnnxTestData.SchemaFor(rows));
        foreach (var row in rows.Take(5))
        {
            var prediction = engine.Predict(row);
            report.EngineScores = [.. report.EngineScores, prediction.Score];
            report.EngineLabels = [.. report.EngineLabels, prediction.PredictedLabel];
        }
        report.MicroAccuracy = ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
        File.WriteAllText(args[3], JsonSerializer.Serialize(report, Json));
        return 0;
    }
}
