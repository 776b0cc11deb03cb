namespace Microsoft.ML.TestFramework;

/// <summary>What <see cref="EstimatorChecks.Run"/> expects of saving a fitted transformer.</summary>
public enum SaveExpectation
{
    /// <summary>Save then load in a fresh context must give the same schema and data.</summary>
    RoundTrips,

    /// <summary><c>mlContext.Model.Save</c> must throw <see cref="NotSupportedException"/>.</summary>
    NotSupported,

    /// <summary>Saving is not checked.</summary>
    NotChecked,
}

/// <summary>Options of <see cref="EstimatorChecks.Run"/>.</summary>
public sealed class EstimatorCheckOptions
{
    /// <summary>The context used to save models; default a new <c>MLContext(seed: 1)</c>. Loading always uses a fresh one.</summary>
    public MLContext? Context { get; init; }

    /// <summary>Allowed difference between the original and the loaded transformer's outputs. Default 1e-5 relative to max(1, |value|).</summary>
    public NumericTolerance Tolerance { get; init; } = NumericTolerance.RelativeOrAbsolute(1e-5);

    /// <summary>Whether saving must round-trip (default), must be refused, or is not checked.</summary>
    public SaveExpectation Save { get; init; } = SaveExpectation.RoundTrips;

    /// <summary>
    /// Saves and reloads a transformer for <see cref="SaveExpectation.RoundTrips"/> (for example through a
    /// component's own save call); arguments: the transformer and its input schema. Default:
    /// <c>Model.Save</c> to a stream and plain <c>Model.Load</c> in a fresh <see cref="MLContext"/>.
    /// </summary>
    public Func<ITransformer, DataViewSchema, ITransformer>? SaveAndLoad { get; init; }

    /// <summary>Data that fitting accepts but the fitted transformer must refuse (for example another vector size):
    /// its <c>GetOutputSchema</c> and <c>Transform</c> must throw.</summary>
    public IDataView? InvalidTransformInput { get; init; }
}
