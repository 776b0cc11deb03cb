using System.Globalization;
using Microsoft.ML.Data;
using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>Prints the evaluation and the sample predictions as tables.</summary>
internal static class ReportWriter
{
    /// <summary>Accuracy figures and log-loss.</summary>
    public static void WriteMetrics(IAnsiConsole console, MulticlassClassificationMetrics metrics, long testRows)
    {
        var table = new Table().Title($"Test metrics ({testRows} rows)").AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("accuracy (micro)", metrics.MicroAccuracy.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow("accuracy (macro, mean per class)", metrics.MacroAccuracy.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow("log-loss", metrics.LogLoss.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow("log-loss reduction", metrics.LogLossReduction.ToString("F4", CultureInfo.InvariantCulture));
        console.Write(table);
    }

    /// <summary>
    /// The confusion matrix: one row per true class, one column per predicted class, with each class's recall and
    /// precision. Classes are in key order, which is the label order because the labels were mapped to keys by value.
    /// </summary>
    public static void WriteConfusionMatrix(IAnsiConsole console, ConfusionMatrix matrix, IReadOnlyList<string> classNames)
    {
        int classes = matrix.NumberOfClasses;
        // Class names that are not just the index ("Coat") get the index in front, to match the column headers.
        string Name(int i) => classes != classNames.Count ? $"key {i + 1}"
            : classNames[i] == i.ToString(CultureInfo.InvariantCulture) ? classNames[i] : $"{i} {classNames[i]}";

        var table = new Table().Title("Confusion matrix (rows: true class, columns: predicted class)");
        table.AddColumn("true \\ predicted");
        for (int j = 0; j < classes; j++)
            table.AddColumn(new TableColumn(j.ToString(CultureInfo.InvariantCulture)).RightAligned());
        table.AddColumn(new TableColumn("recall").RightAligned());
        for (int i = 0; i < classes; i++)
        {
            var cells = new List<string> { Markup.Escape(Name(i)) };
            for (int j = 0; j < classes; j++)
            {
                string count = matrix.Counts[i][j].ToString("0", CultureInfo.InvariantCulture);
                cells.Add(i == j ? $"[bold]{count}[/]" : count);
            }
            cells.Add(matrix.PerClassRecall[i].ToString("F3", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        var precision = new List<string> { "precision" };
        precision.AddRange(matrix.PerClassPrecision.Select(p => p.ToString("F2", CultureInfo.InvariantCulture)));
        precision.Add("");
        table.AddRow(precision.ToArray());
        console.Write(table);
    }

    /// <summary>A few predictions of the reloaded model beside the true labels.</summary>
    public static void WritePredictions(IAnsiConsole console, IReadOnlyList<(int Row, uint Truth, ImagePrediction Prediction)> predictions,
        IReadOnlyList<string> classNames)
    {
        var table = new Table().Title("Predictions of the reloaded model (PredictionEngine)")
            .AddColumn(new TableColumn("test row").RightAligned()).AddColumn("true class").AddColumn("predicted class")
            .AddColumn(new TableColumn("probability").RightAligned()).AddColumn("right?");
        foreach (var (row, truth, prediction) in predictions)
        {
            bool right = prediction.PredictedClass == truth;
            table.AddRow(
                row.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(ClassName(classNames, truth)),
                Markup.Escape(ClassName(classNames, prediction.PredictedClass)),
                prediction.Score.Max().ToString("F3", CultureInfo.InvariantCulture),
                right ? "[green]yes[/]" : "[red]no[/]");
        }
        console.Write(table);
    }

    private static string ClassName(IReadOnlyList<string> classNames, uint label)
        => label < classNames.Count ? classNames[(int)label] : label.ToString(CultureInfo.InvariantCulture);
}
