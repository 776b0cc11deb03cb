using Microsoft.ML.BatchNorm.Samples.FashionMnist;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Tests.Samples;

[TestClass]
public sealed class LiveConsoleTests
{
    private static (IAnsiConsole Console, StringWriter Output) Console(bool live)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = live ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = live ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 40;
        return (console, output);
    }

    private const string Long = "hint: the validation loss has not improved since epoch 6 (0.2802): over-fitting?";

    [TestMethod]
    public void OnATerminalLongLinesAreCutAtSpacesIntoLinesOfTheConsoleWidth()
    {
        var (console, output) = Console(live: true);
        Assert.IsTrue(LiveConsole.IsLive(console));

        LiveConsole.WriteLine(console, Long);

        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.IsTrue(lines.Length >= 3, output.ToString());
        Assert.IsTrue(lines.All(l => l.Length <= 40), output.ToString());
        Assert.AreEqual(Long, string.Join(" ", lines));
    }

    [TestMethod]
    public void ContinuationLinesKeepTheIndentation()
    {
        var (console, output) = Console(live: true);
        LiveConsole.WriteLine(console, "  " + Long);
        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.IsTrue(lines.Length >= 3 && lines.All(l => l.StartsWith("  ", StringComparison.Ordinal) && l.Length <= 40), output.ToString());
        Assert.AreEqual(Long, string.Join(" ", lines.Select(l => l.Trim())));
    }

    [TestMethod]
    public void RedirectedOutputGetsTheLineAsItIs()
    {
        var (console, output) = Console(live: false);
        Assert.IsFalse(LiveConsole.IsLive(console));
        Assert.AreEqual(42, LiveConsole.Run(console, "working", () => 42));
        Assert.AreEqual("", output.ToString(), "no spinner when redirected");
    }
}
