using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Microsoft.ML.BatchNorm.Benchmarks.Infrastructure;

/// <summary>
/// BenchmarkDotNet's defaults plus the GFLOP/s and GB/s columns. Every job must run in-process
/// (<see cref="InProcessEmitToolchain"/>): BenchmarkDotNet 0.14 does not know .NET 10 and cannot generate and build
/// a separate benchmark project for it. <see cref="WithInProcess"/> makes the command line ask for that, so that
/// jobs chosen there (<c>--job short</c>) run in-process too.
/// </summary>
public static class BenchmarkConfig
{
    private const string InProcessOption = "--inProcess";

    /// <summary>The configuration every benchmark class here runs with (figure names shown in full).</summary>
    public static IConfig Create() => DefaultConfig.Instance
        .AddColumn(ThroughputColumn.Gflops, ThroughputColumn.Gbps)
        .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(48));

    /// <summary>
    /// The BenchmarkDotNet arguments with <c>--inProcess</c> (its command-line switch to
    /// <see cref="InProcessEmitToolchain"/>) added when absent.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="args"/> is null.</exception>
    public static string[] WithInProcess(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Any(a => a.Equals(InProcessOption, StringComparison.OrdinalIgnoreCase) || a == "-i")
            ? args
            : [.. args, InProcessOption];
    }
}
