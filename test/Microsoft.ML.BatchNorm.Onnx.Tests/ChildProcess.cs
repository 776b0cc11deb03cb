namespace Microsoft.ML.BatchNorm.Onnx.Tests;

public static class ChildProcess
{
    public static int Run(string[] args) => 2;
}
