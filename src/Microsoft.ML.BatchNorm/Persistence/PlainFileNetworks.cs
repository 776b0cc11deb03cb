using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.BatchNorm.Onnx;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Microsoft.ML.BatchNorm.Persistence;

/// <summary>
/// <c>LoadWithNetworks</c> of a file written by plain <c>Model.Save</c> with the companion package: each network there
/// is a nested transformer chain (OnnxTransformer, arg-max, MapValue, DropColumns) whose ONNX model carries our header
/// and parameters in its metadata (<see cref="EmbeddedNetworkGraph"/>). Each such chain's folder in the zip is replaced
/// by an empty chain saved by ML.NET, the result is loaded with ML.NET's own loader (so neither OnnxTransformer nor
/// ONNX Runtime is needed), and the transformers are walked with the folder each one was loaded from
/// (ML.NET's layout: element i of a chain saved in folder F is in <c>F/Transform_{i:000}/</c>): at each replaced
/// folder our network transformer is put in the empty chain's place.
/// </summary>
internal static class PlainFileNetworks
{
    private const string OnnxModelStream = "/OnnxModel";

    /// <summary>The folders of our networks (the nested chains) and the ONNX metadata of each; empty for other files.</summary>
    public static Dictionary<string, Dictionary<string, string>> Find(ZipArchive zip, string filePath)
    {
        var found = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            // <chain folder>/Transform_000/OnnxModel: an int32 length, then the ONNX model.
            if (!entry.FullName.EndsWith("/Transform_000" + OnnxModelStream, StringComparison.Ordinal))
                continue;
            byte[] content = NetworkModelOperations.ReadBytes(entry, filePath);
            if (content.Length < 4 || BinaryPrimitives.ReadInt32LittleEndian(content) != content.Length - 4)
                continue;
            Dictionary<string, string> metadata;
            try
            {
                metadata = OnnxMetadataReader.Read(content.AsSpan(4));
            }
            catch (InvalidDataException)
            {
                continue; // not an ONNX model of ours
            }
            if (!metadata.TryGetValue(EmbeddedNetworkGraph.MarkerKey, out var marker) || !marker.StartsWith("Microsoft.ML.BatchNorm.Network/", StringComparison.Ordinal))
                continue;
            if (marker != EmbeddedNetworkGraph.MarkerValue && marker != EmbeddedNetworkGraph.PlacementMarkerValue)
                throw new InvalidDataException($"'{filePath}' entry {entry.FullName}: the network was written in format '{marker}' by a newer BatchNormExtensions.ML; this version reads '{EmbeddedNetworkGraph.MarkerValue}' and '{EmbeddedNetworkGraph.PlacementMarkerValue}'. Update the package.");
            string chainFolder = entry.FullName[..^("Transform_000" + OnnxModelStream).Length];
            found[chainFolder] = metadata;
        }
        return found;
    }

    public static ITransformer Load(ModelOperationsCatalog catalog, byte[] content, ZipArchive zip, string filePath,
        Dictionary<string, Dictionary<string, string>> networks, out DataViewSchema inputSchema)
    {
        // An empty chain as ML.NET saves it, to stand in each network's folder.
        byte[] emptyChain;
        using (var stream = new MemoryStream())
        {
            var schema = new DataViewSchema.Builder();
            schema.AddColumn("x", NumberDataViewType.Single); // ML.NET saves no model over an empty schema
            catalog.Save(new TransformerChain<ITransformer>(), schema.ToSchema(), stream);
            emptyChain = stream.ToArray();
        }
        var replacement = new List<(string Name, byte[] Content)>();
        using (var empty = new ZipArchive(new MemoryStream(emptyChain), ZipArchiveMode.Read))
        {
            var key = empty.Entries.Where(e => e.FullName.EndsWith("Model.key", StringComparison.Ordinal)).MinBy(e => e.FullName.Length)
                ?? throw new InvalidOperationException("ML.NET saved an empty chain without a Model.key.");
            string emptyFolder = key.FullName[..^"Model.key".Length];
            foreach (var e in empty.Entries.Where(e => e.FullName.StartsWith(emptyFolder, StringComparison.Ordinal)))
                replacement.Add((e.FullName[emptyFolder.Length..], NetworkModelOperations.ReadBytes(e, filePath)));
        }

        byte[] rewritten;
        using (var output = new MemoryStream())
        {
            using (var writer = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var entry in zip.Entries)
                {
                    if (networks.Keys.Any(folder => entry.FullName.StartsWith(folder, StringComparison.Ordinal)))
                        continue;
                    Write(writer, entry.FullName, NetworkModelOperations.ReadBytes(entry, filePath));
                }
                foreach (var folder in networks.Keys)
                    foreach (var (name, bytes) in replacement)
                        Write(writer, folder + name, bytes);
            }
            rewritten = output.ToArray();
        }
        // The model's own folder: the shortest folder holding a Model.key.
        string? rootFolder = zip.Entries.Where(e => e.FullName.EndsWith("/Model.key", StringComparison.Ordinal))
            .Select(e => e.FullName[..^"Model.key".Length]).MinBy(f => f.Length);

        ITransformer loaded;
        try
        {
            using var stream = new MemoryStream(rewritten, writable: false);
            loaded = catalog.Load(stream, out inputSchema);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{filePath}': the ML.NET model around the networks cannot be read: {e.Message}", e);
        }

        var result = new List<ITransformer>();
        int replaced = 0;
        void Walk(ITransformer transformer, string folder)
        {
            if (networks.TryGetValue(folder, out var metadata))
            {
                result.Add(ReadNetwork(metadata, $"'{filePath}' {folder}"));
                replaced++;
            }
            else if (transformer is IEnumerable<ITransformer> chain)
            {
                int i = 0;
                foreach (var inner in chain)
                    Walk(inner, $"{folder}Transform_{i++:000}/");
            }
            else
            {
                result.Add(transformer);
            }
        }
        Walk(loaded, rootFolder ?? "");
        if (replaced != networks.Count)
            throw new InvalidDataException($"'{filePath}': {networks.Count} networks were found in the file but {replaced} were placed in the loaded pipeline (unexpected layout).");
        return new TransformerChain<ITransformer>(result.ToArray());
    }

    private static ITransformer ReadNetwork(Dictionary<string, string> metadata, string where)
    {
        if (!metadata.TryGetValue(EmbeddedNetworkGraph.HeaderKey, out var headerJson) || !metadata.TryGetValue(EmbeddedNetworkGraph.ParametersKey, out var parameters))
            throw new InvalidDataException($"{where}: the network's ONNX model lacks our header or parameters.");
        if (!metadata.TryGetValue(EmbeddedNetworkGraph.TaskKey, out var task) || !Enum.TryParse<NetworkTask>(task, out var networkTask) || !Enum.IsDefined(networkTask) || task != networkTask.ToString())
            throw new InvalidDataException($"{where}: a network of task '{task}' cannot be read by this version. Update the package.");
        NetworkHeaderDocument header;
        byte[] blob;
        try
        {
            header = JsonSerializer.Deserialize<NetworkHeaderDocument>(headerJson) ?? throw new InvalidDataException($"{where}: the network header is empty.");
            blob = Convert.FromBase64String(parameters);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new InvalidDataException($"{where}: the network's header or parameters are corrupted: {e.Message}", e);
        }
        var network = NetworkSerializer.Read(header, blob, where);
        // The graph's task and the header's must agree (the header is what we rebuild; the graph is what plain Load runs).
        var read = network switch
        {
            MultilayerPerceptronBinaryPredictionTransformer => NetworkTask.BinaryClassification,
            MultilayerPerceptronRegressionPredictionTransformer => NetworkTask.Regression,
            _ => NetworkTask.MulticlassClassification,
        };
        if (read != networkTask)
            throw new InvalidDataException($"{where}: the ONNX model is marked as task '{task}' but its header holds a {read} network (the file is corrupted).");
        return network;
    }

    private static void Write(ZipArchive zip, string name, byte[] content)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        stream.Write(content);
    }
}
