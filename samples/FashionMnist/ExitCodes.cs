namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>The process exit codes of the sample.</summary>
internal static class ExitCodes
{
    /// <summary>Trained, evaluated, saved, reloaded and checked.</summary>
    public const int Success = 0;

    /// <summary>Something failed at run time (a missing or corrupted data file, an I/O error, a reload mismatch).</summary>
    public const int Failure = 1;

    /// <summary>The command line is invalid.</summary>
    public const int BadArguments = 2;
}
