using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ML.BatchNorm.Persistence;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>
/// Saving and loading pipelines that hold MultilayerPerceptron models:
/// <c>mlContext.Model.SaveWithNetworks(...)</c> and <c>mlContext.Model.LoadWithNetworks(...)</c>.
/// </summary>
/// <remarks>
/// <para>The file is one zip. At its root is an ML.NET model that plain <c>mlContext.Model.Load</c> refuses with a
/// <see cref="NotSupportedException"/> naming <c>LoadWithNetworks</c> (a <c>CustomMapping</c> whose factory,
/// <see cref="BatchNorm.Persistence.NetworkFileGuard"/>, throws), so the networks are never dropped silently. Under
/// <c>BatchNormExtensions/</c>: <c>manifest.json</c> (format name and version, and the SHA-256 of each of the other
/// entries listed below, over their exact stored bytes), <c>manifest.json.sha256</c> (the SHA-256 of the manifest's
/// exact stored bytes, as hex text), the built-in transformers before the
/// first network as a nested ML.NET model, and per network a JSON header (layer shapes, label keys, training history,
/// SHA-256 of the parameters), the parameters as little-endian float32 (per layer: weights, bias, gamma, beta, running
/// mean, running variance, those present), and the built-in transformers that follow it, as a nested ML.NET model.
/// Each <see cref="BatchNormalizingTransformer"/> is stored the same way (format version 4): a JSON header (columns,
/// epsilons, slot names) and its parameters (mean and variance as float64, gamma and beta as float32), so it loads
/// back as itself, with outputs bit for bit as before saving; before format version 4 it was stored as ML.NET's affine
/// normalizer inside the nested models, and such files still load (giving that normalizer back).
/// A pipeline with neither networks nor BatchNormalize is saved as a plain ML.NET model.</para>
/// <para>Tamper evidence: <c>LoadWithNetworks</c> checks the manifest against <c>manifest.json.sha256</c> and every
/// entry the manifest lists against its SHA-256 before parsing any of them, so a truncated file, a changed byte in any
/// of our entries (a network's header with its label values and epsilons, its parameters, the nested built-in models,
/// the manifest), a missing entry, or a newer format version is an <see cref="InvalidDataException"/> naming the file
/// and the entry. Files of format versions 1 and 2 carry no such digests (only each network's parameters are covered
/// by the SHA-256 in its header) and load as before; a file claiming version 3 or later without the digests is refused.
/// The digests detect corruption and accidental edits; they are not a signature (whoever can write the file can
/// recompute them). The guard model at the zip's root is not covered: <c>LoadWithNetworks</c> never reads it.</para>
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
    internal const string ManifestDigestEntry = ManifestEntry + ".sha256";

    /// <summary>The first format version whose files carry the SHA-256 of every entry of ours.</summary>
    private const int DigestsVersion = 3;

    /// <summary>
    /// The format version written when a network places batch normalization after a ReLU (the layers'
    /// BatchNormalizationPlacement) or the pipeline holds a BatchNormalize (entries of its own); other files are written
    /// as <see cref="DigestsVersion"/>, which older readers read.
    /// </summary>
    private const int Version4 = 4;
    internal const string FormatName = "Microsoft.ML.BatchNorm.Pipeline";

    /// <summary>
    /// The newest model file format version this library writes and reads. Version 4: version 3 plus, per layer, where
    /// batch normalization sits (BatchNormalizationPlacement), and BatchNormalize transforms stored as entries of ours
    /// (mean and variance in double). It is written only for a pipeline that needs one of them (a network placing batch
    /// normalization after the activation, or a BatchNormalize), so that a reader of version 3 refuses such a file
    /// (naming the version) instead of scoring it wrongly; every other file, of any task, is written as version 3 and
    /// stays readable by the releases that read version 3. A file without the placement loads as dense -> BN -> ReLU,
    /// which is what every file before version 4 holds.
    /// Version 3: version 2 plus the SHA-256 of every entry of ours (see the remarks). Version 2: the guard
    /// layout (see the remarks) and network headers that may carry the task and the regression label's statistics
    /// (no task = multiclass). Versions 2 and 1 (the built-in part at the root, multiclass networks only) are still
    /// read, without the digests they never had.
    /// </summary>
    public const int FormatVersion = 4;

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
        // Segments of built-in transformers, split at each transformer of ours: a network, or (format version 4) a
        // BatchNormalize, which ML.NET's model format holds only through built-ins that cannot keep its double mean.
        var segments = new List<List<ITransformer>> { new() };
        var networks = new List<ITransformer>();
        var segmentSchemas = new List<DataViewSchema> { inputSchema };
        var schema = inputSchema;
        foreach (var transformer in Flatten(model))
        {
            if (transformer is MultilayerPerceptronPredictionTransformerBase or BatchNormalizingTransformer)
            {
                networks.Add(transformer);
                segments.Add([]);
                schema = transformer.GetOutputSchema(schema);
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
            bool needsVersion4 = networks.Any(n => n is BatchNormalizingTransformer);
            var manifest = new ManifestDocument
            {
                Format = FormatName,
                FormatVersion = DigestsVersion,
                Before = $"{Folder}before-network-1.zip",
                EntrySha256 = new Dictionary<string, string>(StringComparer.Ordinal),
            };
            void Add(string name, byte[] content)
            {
                manifest.EntrySha256.Add(name, Sha256(content));
                WriteEntry(zip, name, content);
            }
            Add(manifest.Before, before.ToArray());
            int networkCount = 0, batchNormCount = 0;
            for (int i = 0; i < networks.Count; i++)
            {
                // Numbered per kind: network-1 is the first network whether or not a BatchNormalize comes before it.
                NetworkEntryDocument entry;
                if (networks[i] is BatchNormalizingTransformer batchNorm)
                {
                    int n = ++batchNormCount;
                    entry = new NetworkEntryDocument
                    {
                        Kind = BatchNormalizeSerializer.Kind,
                        Header = $"{Folder}batch-normalize-{n}.json",
                        Parameters = $"{Folder}batch-normalize-{n}.bin",
                        After = $"{Folder}after-batch-normalize-{n}.zip",
                    };
                    var (header, parameters) = BatchNormalizeSerializer.Write(batchNorm);
                    Add(entry.Header, JsonSerializer.SerializeToUtf8Bytes(header, Json));
                    Add(entry.Parameters, parameters);
                }
                else
                {
                    int n = ++networkCount;
                    entry = new NetworkEntryDocument
                    {
                        Header = $"{Folder}network-{n}.json",
                        Parameters = $"{Folder}network-{n}.f32",
                        After = $"{Folder}after-network-{n}.zip",
                    };
                    var (header, parameters) = NetworkSerializer.Write((MultilayerPerceptronPredictionTransformerBase)networks[i]);
                    needsVersion4 |= NetworkSerializer.NeedsPlacement(header);
                    Add(entry.Header, JsonSerializer.SerializeToUtf8Bytes(header, Json));
                    Add(entry.Parameters, parameters);
                }
                manifest.Networks.Add(entry);
                using var after = new MemoryStream();
                catalog.Save(new TransformerChain<ITransformer>(segments[i + 1].ToArray()), segmentSchemas[i + 1], after);
                Add(entry.After, after.ToArray());
            }
            if (needsVersion4) manifest.FormatVersion = Version4;
            byte[] manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
            WriteEntry(zip, ManifestEntry, manifestBytes);
            WriteEntry(zip, ManifestDigestEntry, Encoding.ASCII.GetBytes(Sha256(manifestBytes)));
        }
        return buffer.ToArray();
    }

    private static string Sha256(byte[] content) => Convert.ToHexString(SHA256.HashData(content));

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
    /// <exception cref="InvalidDataException">The file is not a model zip, is truncated, lacks an entry, fails a
    /// checksum (a changed byte in any of our entries, format version 3 and later; the parameters in every version),
    /// claims format version 3 or later without the digests, places a layer's batch normalization after its activation
    /// while claiming a version before 4, or was written by a newer format version; the message
    /// names the file and, where one is at fault, the entry. Files of format versions 1 and 2 have no digests for
    /// their headers, manifest and nested models and load as before.</exception>
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
            string? cut = TruncatedEntry(content);
            throw new InvalidDataException(cut is null
                ? $"'{filePath}' is not a complete model file (not a zip, or truncated): {e.Message}"
                : $"'{filePath}' is truncated: {cut}. {e.Message}", e);
        }
        using (zip)
        {
            var manifestEntry = zip.GetEntry(ManifestEntry);
            if (manifestEntry is null)
            {
                // Our folder without its manifest is a damaged SaveWithNetworks file, not a plain model.
                if (zip.Entries.Any(e => e.FullName.StartsWith(Folder, StringComparison.Ordinal)))
                    throw new InvalidDataException($"'{filePath}' lacks the entry {ManifestEntry} (the file is incomplete).");
                var plainNetworks = PlainFileNetworks.Find(zip, filePath);
                return plainNetworks.Count > 0
                    ? PlainFileNetworks.Load(catalog, content, zip, filePath, plainNetworks, out inputSchema)
                    : LoadBuiltIn(catalog, content, filePath, out inputSchema);
            }
            byte[] manifestBytes = ReadBytes(manifestEntry, filePath);
            var digestEntry = zip.GetEntry(ManifestDigestEntry);
            ManifestDocument manifest;
            try
            {
                manifest = ParseJson<ManifestDocument>(manifestBytes, ManifestEntry, filePath);
            }
            catch (InvalidDataException) when (digestEntry is not null && !string.Equals(
                Encoding.ASCII.GetString(ReadBytes(digestEntry, filePath)).Trim(), Sha256(manifestBytes), StringComparison.OrdinalIgnoreCase))
            {
                // A manifest that no longer parses is reported as what it is when its checksum says so: altered.
                throw new InvalidDataException($"'{filePath}' entry {ManifestEntry} does not match its SHA-256 checksum in {ManifestDigestEntry} (the file is corrupted or was altered).");
            }
            // The version comes first: a newer writer may cover its entries differently.
            if (manifest.FormatVersion > FormatVersion)
                throw new InvalidDataException(
                    $"'{filePath}' entry {ManifestEntry}: the file was written in model format version {manifest.FormatVersion} by a newer Microsoft.ML.BatchNorm; this version reads format {FormatVersion} and older. Update the package.");
            if (manifest.FormatVersion >= DigestsVersion || digestEntry is not null)
            {
                if (digestEntry is null)
                    throw new InvalidDataException($"'{filePath}' lacks the entry {ManifestDigestEntry} (the SHA-256 of {ManifestEntry}, required from format version {DigestsVersion}; the file is incomplete or was altered).");
                string expected = Encoding.ASCII.GetString(ReadBytes(digestEntry, filePath)).Trim();
                if (!string.Equals(expected, Sha256(manifestBytes), StringComparison.OrdinalIgnoreCase))
                    throw new InvalidDataException($"'{filePath}' entry {ManifestEntry} does not match its SHA-256 checksum in {ManifestDigestEntry} (the file is corrupted or was altered).");
            }
            if (manifest.Format != FormatName)
                throw new InvalidDataException($"'{filePath}' entry {ManifestEntry}: names the format '{manifest.Format}', not '{FormatName}'.");
            if (manifest.FormatVersion < 1)
                throw new InvalidDataException($"'{filePath}' entry {ManifestEntry}: invalid format version {manifest.FormatVersion}.");
            if (manifest.FormatVersion >= DigestsVersion && manifest.EntrySha256 is null)
                throw new InvalidDataException($"'{filePath}' entry {ManifestEntry}: format version {manifest.FormatVersion} without the entries' SHA-256 (EntrySha256); the file was altered.");

            // Every listed entry is read and checked before any is parsed.
            var verified = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            if (manifest.EntrySha256 is not null)
            {
                foreach (var (name, sha256) in manifest.EntrySha256)
                {
                    byte[] bytes = ReadBytes(Entry(zip, name, filePath), filePath);
                    if (!string.Equals(sha256, Sha256(bytes), StringComparison.OrdinalIgnoreCase))
                        throw new InvalidDataException($"'{filePath}' entry {name} does not match its SHA-256 checksum in {ManifestEntry} (the file is corrupted or was altered).");
                    verified.Add(name, bytes);
                }
            }
            byte[] Read(string? name, string what)
            {
                if (string.IsNullOrEmpty(name))
                    throw new InvalidDataException($"'{filePath}' entry {ManifestEntry}: names no entry for {what}.");
                if (verified.TryGetValue(name, out var bytes))
                    return bytes;
                if (manifest.EntrySha256 is not null)
                    throw new InvalidDataException($"'{filePath}' entry {ManifestEntry}: the entry {name} ({what}) has no SHA-256 in the manifest (the file was altered).");
                return ReadBytes(Entry(zip, name, filePath), filePath);
            }

            ITransformer first = manifest.FormatVersion >= 2
                ? LoadBuiltIn(catalog, Read(manifest.Before, "the transformers before the first network"), $"{filePath}:{manifest.Before}", out inputSchema)
                : LoadBuiltIn(catalog, content, filePath, out inputSchema);
            var transformers = new List<ITransformer>(Flatten(first));
            foreach (var entry in manifest.Networks)
            {
                switch (entry.Kind)
                {
                    case null:
                        var header = ParseJson<NetworkHeaderDocument>(Read(entry.Header, "a network's header"), entry.Header, filePath);
                        if (manifest.FormatVersion < Version4 && NetworkSerializer.NeedsPlacement(header))
                            throw new InvalidDataException($"'{filePath}' entry {entry.Header}: a batch-normalization placement in a file of format version {manifest.FormatVersion} (placements came with version {Version4}); the file was altered.");
                        transformers.Add(NetworkSerializer.Read(header, Read(entry.Parameters, "a network's parameters"), $"'{filePath}' entry {entry.Parameters}"));
                        break;
                    case BatchNormalizeSerializer.Kind:
                        var batchNorm = ParseJson<BatchNormalizeHeaderDocument>(Read(entry.Header, "a BatchNormalize header"), entry.Header, filePath);
                        transformers.Add(BatchNormalizeSerializer.Read(batchNorm, Read(entry.Parameters, "a BatchNormalize's parameters"), $"'{filePath}' entry {entry.Parameters}"));
                        break;
                    default:
                        throw new InvalidDataException($"'{filePath}' entry {ManifestEntry}: an entry of unknown kind '{entry.Kind}'.");
                }
                var after = LoadBuiltIn(catalog, Read(entry.After, "the transformers after a network"), $"{filePath}:{entry.After}", out _);
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

    private static T ParseJson<T>(byte[] bytes, string entryName, string filePath)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Json)
                ?? throw new InvalidDataException($"'{filePath}' entry {entryName} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{filePath}' entry {entryName} is not valid JSON (corrupted?): {e.Message}", e);
        }
    }

    /// <summary>
    /// For a zip that cannot be opened: walks the local file headers from the start and describes the first entry
    /// whose data runs past the end of the file (or, if all are whole, the last complete entry before the missing
    /// central directory). Null when the bytes do not start like a zip with sizes in its local headers.
    /// </summary>
    private static string? TruncatedEntry(byte[] content)
    {
        const uint LocalHeader = 0x04034b50;
        int offset = 0;
        string? last = null;
        while (offset + 30 <= content.Length && BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(offset)) == LocalHeader)
        {
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(content.AsSpan(offset + 6));
            uint compressedSize = BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(offset + 18));
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(content.AsSpan(offset + 26));
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(content.AsSpan(offset + 28));
            if (offset + 30 + nameLength > content.Length)
                return last is null ? "it ends inside the first entry's header" : $"it ends inside the header of the entry after {last}";
            string name = Encoding.UTF8.GetString(content, offset + 30, nameLength);
            if ((flags & 0x8) != 0 || compressedSize == uint.MaxValue)
                return null; // sizes not in the local header: cannot walk further
            long end = (long)offset + 30 + nameLength + extraLength + compressedSize;
            if (end > content.Length)
                return $"the entry {name} is cut off ({content.Length - (offset + 30L + nameLength + extraLength)} of its {compressedSize} stored bytes are present)";
            last = name;
            offset = (int)end;
        }
        return last is null ? null : $"the entries end after {last} and the zip's central directory is missing";
    }
}
