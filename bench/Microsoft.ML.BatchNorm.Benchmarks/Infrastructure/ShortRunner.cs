using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.ML.BatchNorm.Benchmarks.Figures;
using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Benchmarks.Infrastructure;

/// <summary>
/// The short mode (<c>--json</c>): times each figure the way shared/bench/torch_reference.py's median_time does
/// (one warm-up call; double the repetitions until one batch takes at least 0.2 s or exceeds 2^20 calls; then the
/// median over 7 batches of the time per call) and prints one JSON line per figure:
/// <c>{"figure": NAME, "seconds": MEDIAN, ...}</c>, with <c>gflops</c> or <c>gbps</c> where the figure has them.
/// </summary>
public static class ShortRunner
{
    private const double MinBatchSeconds = 0.2;
    private const int Batches = 7;

    /// <summary>
    /// Runs the figures whose names contain any of <paramref name="filters"/> (all when none), writing to
    /// <paramref name="output"/>. Returns the process exit code (0).
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static int Run(IEnumerable<Figure> figures, IReadOnlyCollection<string> filters, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentNullException.ThrowIfNull(output);
        if (typeof(ShortRunner).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true)
            Console.Error.WriteLine("warning: a Debug build is being timed; run with -c Release for real figures.");

        Emit(output, writer =>
        {
            writer.WriteString("figure", "threads");
            writer.WriteNumber("value", Environment.ProcessorCount);
            writer.WriteString("dotnet", RuntimeInformation.FrameworkDescription);
            writer.WriteString("gemm_kernel", SgemmKernels.Best.Name);
        });
        foreach (Figure figure in figures)
        {
            if (filters.Count > 0 && !filters.Any(f => figure.Name.Contains(f, StringComparison.OrdinalIgnoreCase)))
                continue;
            figure.Setup();
            try
            {
                (double seconds, long repetitions) = MedianTime(figure.Run);
                Emit(output, writer =>
                {
                    writer.WriteString("figure", figure.Name);
                    writer.WriteNumber("seconds", seconds);
                    if (figure.Flops > 0) writer.WriteNumber("gflops", Math.Round(figure.Flops / seconds / 1e9, 2));
                    if (figure.Bytes > 0) writer.WriteNumber("gbps", Math.Round(figure.Bytes / seconds / 1e9, 2));
                    writer.WriteNumber("repetitions", repetitions);
                });
            }
            finally
            {
                figure.Cleanup();
                GC.Collect();
            }
        }
        return 0;
    }

    /// <summary>Median seconds per call of <paramref name="action"/>, and the calls per timed batch.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is null.</exception>
    public static (double Seconds, long Repetitions) MedianTime(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        action();
        long repetitions = 1;
        while (true)
        {
            double elapsed = TimeBatch(action, repetitions);
            if (elapsed >= MinBatchSeconds || repetitions > 1 << 20) break;
            repetitions *= 2;
        }

        var perCall = new double[Batches];
        for (int i = 0; i < Batches; i++) perCall[i] = TimeBatch(action, repetitions) / repetitions;
        Array.Sort(perCall);
        return (perCall[Batches / 2], repetitions);
    }

    private static double TimeBatch(Action action, long repetitions)
    {
        long start = Stopwatch.GetTimestamp();
        for (long r = 0; r < repetitions; r++) action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static void Emit(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        output.Flush();
    }
}
