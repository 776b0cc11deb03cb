using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Microsoft.ML.BatchNorm.Benchmarks.Figures;

namespace Microsoft.ML.BatchNorm.Benchmarks.Infrastructure;

/// <summary>
/// A BenchmarkDotNet summary column with a figure's rate from the mean time: GFLOP/s (<see cref="Figure.Flops"/>)
/// or GB/s (<see cref="Figure.Bytes"/>). Empty for figures without that quantity.
/// </summary>
public sealed class ThroughputColumn : IColumn
{
    private readonly bool _flops;

    private ThroughputColumn(bool flops) => _flops = flops;

    /// <summary>The GFLOP/s column.</summary>
    public static ThroughputColumn Gflops { get; } = new(flops: true);

    /// <summary>The GB/s column.</summary>
    public static ThroughputColumn Gbps { get; } = new(flops: false);

    /// <inheritdoc/>
    public string Id => _flops ? "GFLOP/s" : "GB/s";

    /// <inheritdoc/>
    public string ColumnName => Id;

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => _flops ? 0 : 1;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => _flops
        ? "Floating-point operations per second of the mean time, in billions"
        : "Compulsory bytes moved per second of the mean time, in billions";

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (meanNanoseconds is not > 0 || FindFigure(benchmarkCase) is not { } figure) return "-";
        double work = _flops ? figure.Flops : figure.Bytes;
        // Work per nanosecond is work per second in billions.
        return work > 0 ? (work / meanNanoseconds.Value).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "-";
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    private static Figure? FindFigure(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<Figure>().FirstOrDefault();
}
