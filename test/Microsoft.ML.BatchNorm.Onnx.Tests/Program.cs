namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>
/// The entry point of this assembly when a test starts it as a fresh child process (<see cref="ChildProcess"/>,
/// <see cref="ScalarTaskChild"/>): it loads a model as a user program would, touching no type of this repository first.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => args.Length > 0 && args[0] == ScalarTaskChild.Mode ? ScalarTaskChild.Run(args) : ChildProcess.Run(args);
}
