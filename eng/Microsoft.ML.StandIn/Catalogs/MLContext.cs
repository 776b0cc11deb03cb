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

/// <summary>A log message of an <see cref="MLContext"/>.</summary>
public sealed class LoggingEventArgs : EventArgs
{
    /// <summary>A message of kind Info and no source.</summary>
    public LoggingEventArgs(string message)
    {
        Message = message;
        Source = "";
    }

    /// <summary>A message of the given kind from <paramref name="source"/>.</summary>
    public LoggingEventArgs(string message, Runtime.ChannelMessageKind kind, string source)
    {
        Message = message;
        Kind = kind;
        Source = source;
    }

    /// <summary>The message kind.</summary>
    public Runtime.ChannelMessageKind Kind { get; }

    /// <summary>The component that wrote it.</summary>
    public string Source { get; }

    /// <summary>The message.</summary>
    public string Message { get; }
}
