using System.Collections;
using Microsoft.ML.Internal;

namespace Microsoft.ML.Data;

/// <summary>Tags a chain member with the stages it is used in (label transforms, for example, are not for scoring).</summary>
[Flags]
public enum TransformerScope
{
    /// <summary>No stage.</summary>
    None = 0,
    /// <summary>Training.</summary>
    Training = 1 << 0,
    /// <summary>Testing.</summary>
    Testing = 1 << 1,
    /// <summary>Scoring.</summary>
    Scoring = 1 << 2,
    /// <summary>Training and testing.</summary>
    TrainTest = Training | Testing,
    /// <summary>All stages.</summary>
    Everything = Training | Testing | Scoring,
}

/// <summary>
/// A sequence of transformers (possibly empty) applied in order, ending with a <typeparamref name="TLastTransformer"/>.
/// </summary>
public sealed class TransformerChain<TLastTransformer> : ITransformer, IEnumerable<ITransformer>
    where TLastTransformer : class, ITransformer
{
    private readonly ITransformer[] _transformers;
    private readonly TransformerScope[] _scopes;

    /// <summary>The last transformer (null for an empty chain).</summary>
    public readonly TLastTransformer LastTransformer;

    /// <summary>Creates a chain with explicit scopes.</summary>
    /// <exception cref="InvalidOperationException">The counts differ, or the last transformer is not a
    /// <typeparamref name="TLastTransformer"/>.</exception>
    public TransformerChain(IEnumerable<ITransformer> transformers, IEnumerable<TransformerScope> scopes)
    {
        _transformers = transformers?.ToArray() ?? Array.Empty<ITransformer>();
        _scopes = scopes?.ToArray() ?? Array.Empty<TransformerScope>();
        var last = _transformers.LastOrDefault() as TLastTransformer;
        LastTransformer = last!;
        if ((_transformers.Length > 0) != (last != null))
            throw new InvalidOperationException($"The last transformer of the chain is not a {typeof(TLastTransformer).Name}.");
        if (_transformers.Length != _scopes.Length)
            throw new InvalidOperationException("Transformers and scopes must have the same count.");
    }

    /// <summary>Creates a chain whose members all have scope <see cref="TransformerScope.Everything"/>.</summary>
    /// <exception cref="InvalidOperationException">The last transformer is not a <typeparamref name="TLastTransformer"/>.</exception>
    public TransformerChain(params ITransformer[] transformers)
    {
        _transformers = transformers?.ToArray() ?? Array.Empty<ITransformer>();
        _scopes = _transformers.Select(_ => TransformerScope.Everything).ToArray();
        var last = _transformers.LastOrDefault() as TLastTransformer;
        LastTransformer = last!;
        if (_transformers.Length > 0 && last == null)
            throw new InvalidOperationException($"The last transformer of the chain is not a {typeof(TLastTransformer).Name}.");
    }

    internal ITransformer[] Transformers => _transformers;

    internal TransformerScope[] Scopes => _scopes;

    /// <summary>Applies every member's schema propagation in order.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="inputSchema"/> is null.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var schema = inputSchema;
        foreach (var transformer in _transformers)
            schema = transformer.GetOutputSchema(schema);
        return schema;
    }

    /// <summary>Checks the schema propagation, then transforms through every member.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(input.Schema);
        var data = input;
        foreach (var transformer in _transformers)
            data = transformer.Transform(data);
        return data;
    }

    /// <summary>The members whose scope intersects <paramref name="scopeFilter"/>.</summary>
    public TransformerChain<ITransformer> GetModelFor(TransformerScope scopeFilter)
    {
        var keep = Enumerable.Range(0, _transformers.Length).Where(i => (_scopes[i] & scopeFilter) != TransformerScope.None).ToArray();
        return new TransformerChain<ITransformer>(keep.Select(i => _transformers[i]).ToArray(), keep.Select(i => _scopes[i]).ToArray());
    }

    /// <summary>A new chain with <paramref name="transformer"/> appended.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="transformer"/> is null.</exception>
    public TransformerChain<TNewLast> Append<TNewLast>(TNewLast transformer, TransformerScope scope = TransformerScope.Everything)
        where TNewLast : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(transformer);
        return new TransformerChain<TNewLast>(_transformers.Append(transformer).ToArray(), _scopes.Append(scope).ToArray());
    }

    /// <inheritdoc/>
    public IEnumerator<ITransformer> GetEnumerator() => ((IEnumerable<ITransformer>)_transformers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    bool ITransformer.IsRowToRowMapper => _transformers.All(t => t.IsRowToRowMapper);

    IRowToRowMapper ITransformer.GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!((ITransformer)this).IsRowToRowMapper)
            throw new InvalidOperationException("GetRowToRowMapper method called despite IsRowToRowMapper being false.");
        var mappers = new IRowToRowMapper[_transformers.Length];
        var schema = inputSchema;
        for (int i = 0; i < mappers.Length; i++)
        {
            mappers[i] = _transformers[i].GetRowToRowMapper(schema);
            schema = mappers[i].OutputSchema;
        }
        return new CompositeRowToRowMapper(inputSchema, mappers);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.SaveModelEntry(TransformerChainLoader.LoaderSignature, writer =>
        {
            writer.Write(_transformers.Length);
            foreach (var scope in _scopes)
                writer.Write((int)scope);
        });
        for (int i = 0; i < _transformers.Length; i++)
            ctx.SaveModel(_transformers[i], TransformerChainLoader.DirectoryName(i));
    }
}

/// <summary>Loads saved chains (ML.NET's internal <c>TransformerChain</c> static class plays this role).</summary>
internal static class TransformerChainLoader
{
    public const string LoaderSignature = "TransformerChain";

    public static string DirectoryName(int index) => $"Transform_{index:000}";

    public static ITransformer Load(ModelLoadContext ctx, BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0)
            throw new InvalidDataException("Invalid transformer count.");
        var scopes = new TransformerScope[count];
        for (int i = 0; i < count; i++)
            scopes[i] = (TransformerScope)reader.ReadInt32();
        var transformers = new ITransformer[count];
        for (int i = 0; i < count; i++)
            transformers[i] = ctx.LoadTransformer(DirectoryName(i));
        return new TransformerChain<ITransformer>(transformers, scopes);
    }
}
