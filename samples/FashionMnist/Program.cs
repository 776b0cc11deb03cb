using System.Globalization;
using Microsoft.ML.BatchNorm.Samples.FashionMnist;
using Spectre.Console;

// The same number formats on every machine, so logs compare.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// Redirected output (a file, CI) gets plain text: no colour codes, and no terminal width to wrap lines at.
IAnsiConsole console = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    console = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
        Out = new AnsiConsoleOutput(Console.Out),
    });
    console.Profile.Width = 200;
}

return SampleCommand.Run(args, console);
