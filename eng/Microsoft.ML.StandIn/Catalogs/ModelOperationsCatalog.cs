using System.IO.Compression;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.Internal;

namespace Microsoft.ML;

/// <summary>
/// Saves and loads models and creates prediction engines. The stand-in's model file is a zip: an entry
/// <c>Schema</c> with the input schema, and the model saved under <c>TransformerChain/</c> through
/// <see cref="ModelSaveContext"/>; <see cref="Load(Stream, out DataViewSchema)"/> ignores entries it does not use.
/// </summary>
public sealed class ModelOperationsCatalog
{
    internal const string SchemaEntryName = "Schema";
    internal const string TransformerDirectory = "TransformerChain";
    private readonly MLContext _context;

    internal ModelOperationsCatalog(MLContext context)
    {
        _context = context;
    }

    /// <summary>Writes <paramref name="model"/> (null: an empty chain) and <paramref name="inputSchema"/> (may be null)
    /// to <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A component saved nothing or saved twice.</exception>
    /// <exception cref="NotSupportedException">A schema column's type cannot be saved.</exception>
    public void Save(ITransformer? model, DataViewSchema? inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var ctx = new ModelSaveContext(archive, TransformerDirectory))
        {
            (model ?? new TransformerChain<ITransformer>()).Save(ctx);
            if (!ctx.HasSaved)
                throw new InvalidOperationException($"'{model?.GetType()}' did not save any model entry.");
        }
        if (inputSchema != null)
        {
            var entry = archive.CreateEntry(SchemaEntryName, CompressionLevel.Fastest);
            using var entryStream = entry.Open();
            using var writer = new BinaryWriter(entryStream, Encoding.UTF8);
            writer.Write(ModelSaveContext.Magic);
            BinaryFormat.WriteSchema(writer, inputSchema);
        }
    }

    /// <summary>Creates (or overwrites) <paramref name="filePath"/>, then saves into it as the stream overload does.
    /// As in ML.NET the file is created first, so a failing save leaves a file behind.</summary>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is null or empty.</exception>
    public void Save(ITransformer? model, DataViewSchema? inputSchema, string filePath)
    {
        if (string.IsNullOrEmpty(filePath))
            throw new ArgumentException("The file path must be non-empty.", nameof(filePath));
        using var stream = File.Create(filePath);
        Save(model, inputSchema, stream);
    }

    /// <summary>Reads a model written by <see cref="Save(ITransformer, DataViewSchema, Stream)"/>: the saved transformer
    /// (same built-in type) and the input schema (null when none was saved).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="InvalidDataException">The stream is not a zip, or not a model saved by this stand-in, or corrupt.</exception>
    public ITransformer Load(Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException("The stream is not an ML.NET model file (not a zip archive).", ex);
        }
        using (archive)
        {
            inputSchema = null!;
            var schemaEntry = archive.GetEntry(SchemaEntryName);
            if (schemaEntry != null)
            {
                using var entryStream = schemaEntry.Open();
                using var reader = new BinaryReader(entryStream, Encoding.UTF8);
                try
                {
                    if (reader.ReadString() != ModelSaveContext.Magic)
                        throw new InvalidDataException("The schema entry was not written by this ML.NET stand-in.");
                    inputSchema = BinaryFormat.ReadSchema(reader);
                }
                catch (EndOfStreamException ex)
                {
                    throw new InvalidDataException("The schema entry is truncated.", ex);
                }
            }
            return new ModelLoadContext(archive, TransformerDirectory).LoadTransformer();
        }
    }

    /// <summary>Opens <paramref name="filePath"/> and loads as the stream overload does.</summary>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">See the stream overload.</exception>
    public ITransformer Load(string filePath, out DataViewSchema inputSchema)
    {
        if (string.IsNullOrEmpty(filePath))
            throw new ArgumentException("The file path must be non-empty.", nameof(filePath));
        using var stream = File.OpenRead(filePath);
        return Load(stream, out inputSchema);
    }

    /// <summary>A prediction engine running <paramref name="transformer"/> on single objects.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="transformer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The transformer is not a row-to-row mapper, or an output member has no
    /// column (when <paramref name="ignoreMissingColumns"/> is false).</exception>
    public PredictionEngine<TSrc, TDst> CreatePredictionEngine<TSrc, TDst>(ITransformer transformer, bool ignoreMissingColumns = true,
        SchemaDefinition? inputSchemaDefinition = null, SchemaDefinition? outputSchemaDefinition = null)
        where TSrc : class
        where TDst : class, new()
        => new PredictionEngine<TSrc, TDst>(transformer, ignoreMissingColumns, inputSchemaDefinition, outputSchemaDefinition, null);

    /// <summary>A prediction engine whose input columns take the types (for example vector sizes) of <paramref name="inputSchema"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">See the other overload.</exception>
    public PredictionEngine<TSrc, TDst> CreatePredictionEngine<TSrc, TDst>(ITransformer transformer, DataViewSchema inputSchema)
        where TSrc : class
        where TDst : class, new()
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var definition = SchemaDefinition.Create(typeof(TSrc), SchemaDefinition.Direction.Read);
        foreach (var column in definition)
        {
            var match = inputSchema.GetColumnOrNull(column.ColumnName);
            if (match != null)
                column.ColumnType = match.Value.Type;
        }
        return new PredictionEngine<TSrc, TDst>(transformer, false, definition, null, inputSchema);
    }
}
