namespace Microsoft.ML;

/// <summary>
/// Entry point of ML.NET: catalogs of data operations, transforms, model operations and trainers. A seed makes
/// every random choice of the catalogs (splits, shuffles) reproducible.
/// </summary>
public sealed class MLContext
{
    private readonly object _randomLock = new();
    private readonly Random _random;

    /// <summary>Creates a context; with <paramref name="seed"/> null the random choices vary between runs.</summary>
    public MLContext(int? seed = null)
    {
        _random = seed.HasValue ? new Random(seed.Value) : new Random();
        Data = new DataOperationsCatalog(this);
        Transforms = new TransformsCatalog(this);
        Model = new ModelOperationsCatalog(this);
        MulticlassClassification = new MulticlassClassificationCatalog(this);
    }

    /// <summary>Loading, splitting, shuffling and converting data.</summary>
    public DataOperationsCatalog Data { get; }

    /// <summary>Data transformations.</summary>
    public TransformsCatalog Transforms { get; }

    /// <summary>Saving, loading and prediction engines.</summary>
    public ModelOperationsCatalog Model { get; }

    /// <summary>Multiclass trainers and evaluation.</summary>
    public MulticlassClassificationCatalog MulticlassClassification { get; }

    /// <summary>Log messages of the components.</summary>
    public event EventHandler<LoggingEventArgs>? Log;

    internal void WriteLog(string message, string source)
        => Log?.Invoke(this, new LoggingEventArgs(message, Runtime.ChannelMessageKind.Info, source));

    /// <summary>A seed drawn from the context's generator (for components given no seed).</summary>
    internal int NextSeed()
    {
        lock (_randomLock)
            return _random.Next();
    }
}

/// <summary>A log message of an <see cref="MLContext"/> (not sealed, as in ML.NET).</summary>
public class LoggingEventArgs : EventArgs
{
    /// <summary>A message with no kind (<see cref="Runtime.ChannelMessageKind.Trace"/>, the default) and no source (null),
    /// as in ML.NET.</summary>
    public LoggingEventArgs(string message)
    {
        Message = message;
        Source = null;
    }

    /// <summary>A message of the given kind from <paramref name="source"/>; <see cref="Message"/> is prefixed with both,
    /// in ML.NET's format <c>[Source=..., Kind=...] message</c>.</summary>
    public LoggingEventArgs(string message, Runtime.ChannelMessageKind kind, string source)
    {
        Kind = kind;
        Source = source;
        Message = $"[Source={source}, Kind={kind}] {message}";
    }

    /// <summary>The message kind.</summary>
    public Runtime.ChannelMessageKind Kind { get; }

    // Null for a message created without a source; ML.NET is not nullable-annotated: declared oblivious, as there.
#nullable disable annotations
    /// <summary>The component that wrote it (null for a message created without one).</summary>
    public string Source { get; }
#nullable restore annotations

    /// <summary>The message (with the source and kind prefix when they were given).</summary>
    public string Message { get; }
}
