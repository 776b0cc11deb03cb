using Microsoft.ML.Data;
using Microsoft.ML.Internal;

namespace Microsoft.ML;

/// <summary>Base of prediction engines: runs a transformer's row-to-row mapper on one object at a time. Not thread-safe.</summary>
public abstract class PredictionEngineBase<TSrc, TDst> : IDisposable
    where TSrc : class
    where TDst : class, new()
{
    private protected PredictionEngineBase()
    {
    }

    /// <summary>The schema of the transformer's output.</summary>
    public DataViewSchema OutputSchema { get; private protected set; } = null!;

    /// <summary>Releases the engine.</summary>
    public void Dispose()
    {
        GC.SuppressFinalize(this);
    }

    /// <summary>Predicts into a new <typeparamref name="TDst"/>.</summary>
    public TDst Predict(TSrc example)
    {
        var result = new TDst();
        Predict(example, ref result);
        return result;
    }

    /// <summary>Predicts into <paramref name="prediction"/> (reused; created when null).</summary>
    public abstract void Predict(TSrc example, ref TDst prediction);
}

/// <summary>Runs a transformer on single <typeparamref name="TSrc"/> objects, writing <typeparamref name="TDst"/> objects.</summary>
public sealed class PredictionEngine<TSrc, TDst> : PredictionEngineBase<TSrc, TDst>
    where TSrc : class
    where TDst : class, new()
{
    private readonly ObjectRow<TSrc> _input;
    private readonly Action<TDst> _write;

    internal PredictionEngine(ITransformer transformer, bool ignoreMissingColumns, SchemaDefinition? inputSchemaDefinition,
        SchemaDefinition? outputSchemaDefinition, DataViewSchema? inputAnnotations)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        if (!transformer.IsRowToRowMapper)
            throw new ArgumentOutOfRangeException(nameof(transformer), "Must be a row to row mapper");
        var columns = PocoSchema.Columns(typeof(TSrc), inputSchemaDefinition, SchemaDefinition.Direction.Read);
        var builder = new DataViewSchema.Builder();
        foreach (var column in columns)
            builder.AddColumn(column.Name, column.Type, inputAnnotations?.GetColumnOrNull(column.Name)?.Annotations);
        var inputSchema = builder.ToSchema();
        _input = new ObjectRow<TSrc>(columns, inputSchema);
        var mapper = transformer.GetRowToRowMapper(inputSchema);
        OutputSchema = mapper.OutputSchema;
        var writer = RowWriter<TDst>.Bind(OutputSchema, outputSchemaDefinition, ignoreMissingColumns);
        var output = mapper.GetRow(_input, writer.Columns);
        _write = writer.MakeWriter(output);
    }

    /// <summary>Runs the model on <paramref name="example"/> and writes the output members of <paramref name="prediction"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="example"/> is null.</exception>
    public override void Predict(TSrc example, ref TDst prediction)
    {
        ArgumentNullException.ThrowIfNull(example);
        _input.Set(example);
        prediction ??= new TDst();
        _write(prediction);
    }
}
