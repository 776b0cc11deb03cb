namespace Microsoft.ML.Runtime;

/// <summary>Kinds of log messages.</summary>
public enum ChannelMessageKind
{
    /// <summary>Diagnostic detail.</summary>
    Trace,
    /// <summary>Information.</summary>
    Info,
    /// <summary>A warning.</summary>
    Warning,
    /// <summary>An error.</summary>
    Error,
}
