using ScottPlot;
using SkiaSharp;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// Draws panels of per-epoch lines side by side (ScottPlot 5) and writes them as a PNG and an SVG of the same size.
/// </summary>
/// <remarks>
/// ScottPlot draws with SkiaSharp, whose native library for Linux ships in the NuGet package (linked to nothing
/// but the C library). Text needs a font file under /usr/share/fonts: on a machine without one (a minimal Debian
/// image) the lines are drawn but every label is blank; <see cref="MissingFontNote"/> says so, and the Debian package
/// <c>fonts-dejavu-core</c> cures it.
/// </remarks>
internal static class EpochChart
{
    private static readonly string[] PreferredFonts = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "Segoe UI"];
    private static readonly Lazy<string?> Font = new(FindFont);

    /// <summary>A remark for the user when no font is installed (the charts' text would be blank), otherwise null.</summary>
    public static string? MissingFontNote => Font.Value is null
        ? "No font found (e.g. under /usr/share/fonts): the charts are drawn without text. On Debian: apt-get install fonts-dejavu-core."
        : null;

    /// <summary>Draws <paramref name="panels"/> in a row and writes <paramref name="pngPath"/> and <paramref name="svgPath"/>.</summary>
    /// <param name="panels">At least one panel.</param>
    /// <param name="pngPath">The PNG file to write (replaced if it exists).</param>
    /// <param name="svgPath">The SVG file to write (replaced if it exists).</param>
    /// <param name="width">Width of the whole image in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public static void Save(IReadOnlyList<ChartPanel> panels, string pngPath, string svgPath, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(panels);
        ArgumentOutOfRangeException.ThrowIfZero(panels.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);

        var figure = new Multiplot();
        figure.AddPlots(panels.Count);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        for (int i = 0; i < panels.Count; i++)
            Draw(figure.GetPlot(i), panels[i]);

        figure.SavePng(pngPath, width, height);
        using var svg = File.Create(svgPath);
        // The SVG canvas writes its document when it is disposed, before the file is.
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), svg))
            figure.Render(canvas, new PixelRect(0, width, height, 0));
    }

    private static void Draw(Plot plot, ChartPanel panel)
    {
        if (Font.Value is { } font)
            plot.Font.Set(font);
        var palette = new ScottPlot.Palettes.Category10();
        int epochs = 0;
        for (int i = 0; i < panel.Lines.Count; i++)
        {
            ChartLine line = panel.Lines[i];
            double[] x = Enumerable.Range(1, line.Values.Length).Select(e => (double)e).ToArray();
            var scatter = plot.Add.Scatter(x, line.Values, palette.GetColor(i));
            scatter.LegendText = line.Label;
            scatter.LineWidth = 2;
            scatter.MarkerSize = 6;
            epochs = Math.Max(epochs, line.Values.Length);
        }
        plot.Title(panel.Title, size: 14);
        plot.XLabel("epoch", size: 13);
        plot.YLabel(panel.YLabel, size: 13);
        // Whole epochs only on the horizontal axis.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.SetLimitsX(0.5, Math.Max(epochs, 1) + 0.5);
        // Below the axes, where it hides no line.
        plot.ShowLegend(Edge.Bottom);
    }

    private static string? FindFont()
    {
        string[] installed = SKFontManager.Default.FontFamilies.Where(f => !string.IsNullOrWhiteSpace(f)).ToArray();
        return PreferredFonts.FirstOrDefault(installed.Contains) ?? installed.FirstOrDefault();
    }
}
