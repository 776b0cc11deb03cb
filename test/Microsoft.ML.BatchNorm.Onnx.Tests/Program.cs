namespace Microsoft.ML.BatchNorm.Onnx.Tests;

/// <summary>
/// The entry point of this assembly when a test starts it as a fresh child process (<see cref="ChildProcess"/>):
/// it loads a model as a user program would, touching no type of this repository first.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => ChildProcess.Run(args);
}
