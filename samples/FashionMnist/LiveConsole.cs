using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// The sample's live output on a terminal: spinners for the longer steps (loading, evaluating, saving), and lines
/// written above a progress bar. Redirected output (a file, CI) gets the same lines, plain, and no widgets.
/// </summary>
internal static class LiveConsole
{
    /// <summary>Whether <paramref name="console"/> can show live widgets (spinners, progress bars): a terminal with ANSI support.</summary>
    public static bool IsLive(IAnsiConsole console) =>
        console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi;

    /// <summary>Runs <paramref name="work"/>, showing a spinner and <paramref name="what"/> meanwhile on a terminal.</summary>
    public static T Run<T>(IAnsiConsole console, string what, Func<T> work)
    {
        if (!IsLive(console))
            return work();
        return console.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(what) + "...", _ => work());
    }

    /// <summary>
    /// Writes <paramref name="text"/> (plain text, not markup) as a line, in <paramref name="color"/> if given. On a
    /// terminal a text wider than the console is cut at spaces into lines written one by one (indented as the first):
    /// a line that Spectre.Console wraps itself while a progress bar is live leaves pieces of the bar behind on its
    /// second row.
    /// </summary>
    public static void WriteLine(IAnsiConsole console, string text, Color? color = null)
    {
        int width = console.Profile.Width;
        string indent = text[..(text.Length - text.TrimStart(' ').Length)];
        if (IsLive(console) && width > 20 + indent.Length)
        {
            while (text.Length > width)
            {
                int cut = text.LastIndexOf(' ', width - 1);
                if (cut <= indent.Length) cut = width;
                Write(console, text[..cut], color);
                text = indent + text[cut..].TrimStart();
            }
        }
        Write(console, text, color);
    }

    private static void Write(IAnsiConsole console, string text, Color? color) =>
        console.Write(new Text(text + Environment.NewLine, color is { } c ? new Style(c) : Style.Plain));
}
