using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.BatchNorm.Persistence;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Microsoft.ML;

/// <summary>
/// Saving and loading pipelines that hold MultilayerPerceptron models:
/// <c>mlContext.Model.SaveWithNetworks(...)</c> and <c>mlContext.Model.LoadWithNetworks(...)</c>.
/// </summary>
/// <remarks>
/// <para>The file is one zip. At its root is an ML.NET model that plain <c>mlContext.Model.Load</c> refuses with a
/// <see cref="NotSupportedException"/> naming <c>LoadWithNetworks</c> (a <c>CustomMapping</c> whose factory,
/// <see cref="BatchNorm.Persistence.NetworkFileGuard"/>, throws), so the networks are never dropped silently. Under
/// <c>BatchNormExtensions/</c>: <c>manifest.json</c> (format name and version), the built-in transformers before the
/// first network as a nested ML.NET model, and per network a JSON header (layer shapes, label keys, training history,
/// SHA-256 of the parameters), the parameters as little-endian float32 (per layer: weights, bias, gamma, beta, running
/// mean, running variance, those present), and the built-in transformers that follow it, as a nested ML.NET model.
/// A pipeline without networks is saved as a plain ML.NET model.</para>
/// <para><c>LoadWithNetworks</c> also reads format version 1 files (the built-in part at the root, which plain Load
/// read without the networks), plain ML.NET models, and files written by plain <c>mlContext.Model.Save</c> with the
/// companion package BatchNormExtensions.ML.Onnx: there each network comes back as our
/// <see cref="MultilayerPerceptronPredictionTransformer"/> (layers, running statistics, training history, bit for bit
/// as saved, scored by our own code), and the rest as ML.NET loads it.</para>
/// <para>The file is written to a temporary file beside the target and moved into place at the end: a failed save
/// leaves no partial file and an existing file untouched.</para>
/// </remarks>
public static class NetworkModelOperations
{
    internal const string Folder = "BatchNormExtensions/";
    internal const string ManifestEntry = Folder + "manifest.json";
    internal const string FormatName = "Microsoft.ML.BatchNorm.Pipeline";

    /// <summary>
    /// The model file format version this library writes (every file with a network, of any task) and the newest it
    /// reads. Version 2: the guard layout (see the remarks) and network headers that may carry the task and the
    /// regression label's statistics (no task = multiclass). Version 1 (the built-in part at the root, multiclass
    /// networks only) is still read.
    /// </summary>
    public const int FormatVersion = 2;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Saves <paramref name="model"/> (a transformer or a chain, possibly nested) with its networks to one zip file.</summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The trained pipeline.</param>
    /// <param name="inputSchema">Schema of the data the pipeline reads.</param>
    /// <param name="filePath">The file to write; replaced if it exists.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="NotSupportedException">A transformer of the pipeline cannot be saved (its message says why); nothing is written.</exception>
    /// <exception cref="IOException">The file cannot be written; nothing is left behind.</exception>
    public static void SaveWithNetworks(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentException.ThrowIfNullOrEmpty(filePath);

        byte[] content = Build(catalog, model, inputSchema);
        string fullPath = Path.GetFullPath(filePath);
        string temporary = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, content);
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    private static byte[] Build(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema)
    {
        // Segments of built-in transformers, split at each network.
        var segments = new List<List<ITransformer>> { new() };
        var networks = new List<MultilayerPerceptronPredictionTransformerBase>();
        var segmentSchemas = new List<DataViewSchema> { inputSchema };
        var schema = inputSchema;
        foreach (var transformer in Flatten(model))
        {
            if (transformer is MultilayerPerceptronPredictionTransformerBase network)
            {
                networks.Add(network);
                segments.Add([]);
                schema = network.GetOutputSchema(schema);
                segmentSchemas.Add(schema);
            }
            else
            {
                segments[^1].Add(transformer);
                schema = transformer.GetOutputSchema(schema);
            }
        }

        using var before = new MemoryStream();
        catalog.Save(new TransformerChain<ITransformer>(segments[0].ToArray()), inputSchema, before);
        if (networks.Count == 0)
            return before.ToArray();

        using var buffer = new MemoryStream();
        buffer.Write(NetworkFileGuard.Create(catalog, inputSchema));
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            var manifest = new ManifestDocument { Format = FormatName, FormatVersion = FormatVersion, Before = $"{Folder}before-network-1.zip" };
            WriteEntry(zip, manifest.Before, before.ToArray());
            for (int i = 0; i < networks.Count; i++)
            {
                var entry = new NetworkEntryDocument
                {
                    Header = $"{Folder}network-{i + 1}.json",
                    Parameters = $"{Folder}network-{i + 1}.f32",
                    After = $"{Folder}after-network-{i + 1}.zip",
                };
                manifest.Networks.Add(entry);
                var (header, parameters) = NetworkSerializer.Write(networks[i]);
                WriteEntry(zip, entry.Header, JsonSerializer.SerializeToUtf8Bytes(header, Json));
                WriteEntry(zip, entry.Parameters, parameters);
                using var after = new MemoryStream();
                catalog.Save(new TransformerChain<ITransformer>(segments[i + 1].ToArray()), segmentSchemas[i + 1], after);
                WriteEntry(zip, entry.After, after.ToArray());
            }
            WriteEntry(zip, ManifestEntry, JsonSerializer.SerializeToUtf8Bytes(manifest, Json));
        }
        return buffer.ToArray();
    }

    private static void WriteEntry(ZipArchive zip, string name, byte[] content)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        stream.Write(content);
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model)
    {
        if (model is IEnumerable<ITransformer> chain)
        {
            foreach (var inner in chain)
            {
                foreach (var t in Flatten(inner))
                    yield return t;
            }
        }
        else
        {
            yield return model;
        }
    }

    /// <summary>
    /// Loads a pipeline written by <see cref="SaveWithNetworks"/> (or a plain ML.NET model) as one
    /// <see cref="TransformerChain{TLastTransformer}"/>.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="filePath">The model file.</param>
    /// <param name="inputSchema">Receives the schema of the data the pipeline reads.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a model zip, is truncated or corrupted (checksums,
    /// sizes), or was written by a newer format version; the message says which.</exception>
    public static ITransformer LoadWithNetworks(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        byte[] content = File.ReadAllBytes(filePath);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(content), ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{filePath}' is not a complete model file (not a zip, or truncated): {e.Message}", e);
        }
        using (zip)
        {
            var manifestEntry = zip.GetEntry(ManifestEntry);
            if (manifestEntry is null)
            {
                var plainNetworks = PlainFileNetworks.Find(zip, filePath);
                return plainNetworks.Count > 0
                    ? PlainFileNetworks.Load(catalog, content, zip, filePath, plainNetworks, out inputSchema)
                    : LoadBuiltIn(catalog, content, filePath, out inputSchema);
            }
            var manifest = ReadJson<ManifestDocument>(manifestEntry, filePath);
            if (manifest.Format != FormatName)
                throw new InvalidDataException($"'{filePath}': {ManifestEntry} names the format '{manifest.Format}', not '{FormatName}'.");
            if (manifest.FormatVersion > FormatVersion)
                throw new InvalidDataException(
                    $"'{filePath}' was written in model format version {manifest.FormatVersion} by a newer Microsoft.ML.BatchNorm; this version reads format {FormatVersion} and older. Update the package.");
            if (manifest.FormatVersion < 1)
                throw new InvalidDataException($"'{filePath}': invalid format version {manifest.FormatVersion}.");

            ITransformer first = manifest.FormatVersion >= 2
                ? LoadBuiltIn(catalog, ReadBytes(Entry(zip, manifest.Before ?? throw new InvalidDataException($"'{filePath}': {ManifestEntry} names no entry for the transformers before the first network."), filePath), filePath),
                    $"{filePath}:{manifest.Before}", out inputSchema)
                : LoadBuiltIn(catalog, content, filePath, out inputSchema);
            var transformers = new List<ITransformer>(Flatten(first));
            foreach (var entry in manifest.Networks)
            {
                var header = ReadJson<NetworkHeaderDocument>(Entry(zip, entry.Header, filePath), filePath);
                transformers.Add(NetworkSerializer.Read(header, ReadBytes(Entry(zip, entry.Parameters, filePath), filePath), $"'{filePath}' {entry.Parameters}"));
                var after = LoadBuiltIn(catalog, ReadBytes(Entry(zip, entry.After, filePath), filePath), $"{filePath}:{entry.After}", out _);
                transformers.AddRange(Flatten(after));
            }
            return new TransformerChain<ITransformer>(transformers.ToArray());
        }
    }

    private static ITransformer LoadBuiltIn(ModelOperationsCatalog catalog, byte[] content, string name, out DataViewSchema schema)
    {
        try
        {
            using var stream = new MemoryStream(content, writable: false);
            return catalog.Load(stream, out schema);
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{name}': the ML.NET model part cannot be read (truncated or corrupted?): {e.Message}", e);
        }
    }

    private static ZipArchiveEntry Entry(ZipArchive zip, string name, string filePath)
        => zip.GetEntry(name) ?? throw new InvalidDataException($"'{filePath}' lacks the entry {name} (the file is incomplete).");

    /// <summary>An entry's bytes; a corrupted entry is an <see cref="InvalidDataException"/> naming the file and the entry.</summary>
    internal static byte[] ReadBytes(ZipArchiveEntry entry, string filePath)
    {
        try
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{filePath}' entry {entry.FullName} is corrupted: {e.Message}", e);
        }
    }

    private static T ReadJson<T>(ZipArchiveEntry entry, string filePath)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(ReadBytes(entry, filePath), Json)
                ?? throw new InvalidDataException($"'{filePath}' entry {entry.FullName} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{filePath}' entry {entry.FullName} is not valid JSON (corrupted?): {e.Message}", e);
        }
    }
}
