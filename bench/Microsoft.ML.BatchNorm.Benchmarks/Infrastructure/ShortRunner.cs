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
/// median over <see cref="Figure.TimedBatches"/> batches of the time per call) and prints one JSON line per figure:
/// <c>{"figure": NAME, "seconds": MEDIAN, ...}</c>, with <c>gflops</c>, <c>gbps</c> or <c>rows_per_s</c> where the
/// figure has them. An <see cref="ISelfTimedFigure"/> measures itself instead (the MLP epochs and accuracy).
/// </summary>
public static class ShortRunner
{
    private const double MinBatchSeconds = 0.2;

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
                IReadOnlyList<FigureResult> results = figure is ISelfTimedFigure selfTimed ? selfTimed.Measure() : [Time(figure)];
                foreach (FigureResult result in results)
                    Emit(output, writer =>
                    {
                        writer.WriteString("figure", result.Name);
                        foreach ((string key, double value) in result.Numbers) writer.WriteNumber(key, value);
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

    /// <summary>The median time per call of <see cref="Figure.Run"/> and the rates derived from it.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="figure"/> is null.</exception>
    public static FigureResult Time(Figure figure)
    {
        ArgumentNullException.ThrowIfNull(figure);
        (double seconds, long repetitions) = MedianTime(figure.Run, figure.TimedBatches);
        var numbers = new List<(string, double)> { ("seconds", seconds) };
        if (figure.Flops > 0) numbers.Add(("gflops", Math.Round(figure.Flops / seconds / 1e9, 2)));
        if (figure.Bytes > 0) numbers.Add(("gbps", Math.Round(figure.Bytes / seconds / 1e9, 2)));
        if (figure.Rows > 0) numbers.Add(("rows_per_s", Math.Round(figure.Rows / seconds)));
        numbers.Add(("repetitions", repetitions));
        return FigureResult.Of(figure.Name, [.. numbers]);
    }

    /// <summary>Median seconds per call of <paramref name="action"/> over <paramref name="batches"/> timed batches,
    /// and the calls per timed batch.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batches"/> is less than 1.</exception>
    public static (double Seconds, long Repetitions) MedianTime(Action action, int batches = 7)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        action();
        long repetitions = 1;
        while (true)
        {
            double elapsed = TimeBatch(action, repetitions);
            if (elapsed >= MinBatchSeconds || repetitions > 1 << 20) break;
            repetitions *= 2;
        }

        var perCall = new double[batches];
        for (int i = 0; i < batches; i++) perCall[i] = TimeBatch(action, repetitions) / repetitions;
        Array.Sort(perCall);
        // statistics.median: the mean of the two middle values for an even count.
        return (batches % 2 == 1 ? perCall[batches / 2] : (perCall[batches / 2 - 1] + perCall[batches / 2]) / 2, repetitions);
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
