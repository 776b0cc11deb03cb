using System.IO.Compression;
using System.Text;

namespace Microsoft.ML;

/// <summary>Reads what <see cref="ModelSaveContext"/> wrote (internal, as in ML.NET).</summary>
internal sealed class ModelLoadContext
{
    private readonly ZipArchive _archive;

    internal ModelLoadContext(ZipArchive archive, string directory)
    {
        _archive = archive;
        Directory = directory;
    }

    internal string Directory { get; }

    internal bool HasModel => _archive.GetEntry(ModelSaveContext.EntryName(Directory)) != null;

    /// <summary>Loads the component saved in this directory.</summary>
    /// <exception cref="InvalidDataException">The entry is missing, not of the stand-in's format, of an unknown
    /// component, or truncated.</exception>
    internal ITransformer LoadTransformer()
    {
        string name = ModelSaveContext.EntryName(Directory);
        var entry = _archive.GetEntry(name)
            ?? throw new InvalidDataException($"The model file has no entry '{name}': it was not saved by MLContext.Model.Save.");
        using var stream = entry.Open();
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            string magic = reader.ReadString();
            if (magic != ModelSaveContext.Magic)
                throw new InvalidDataException($"Entry '{name}' is not a model of this ML.NET stand-in.");
            int version = reader.ReadInt32();
            if (version != ModelSaveContext.FormatVersion)
                throw new InvalidDataException($"Entry '{name}' has format version {version}; version {ModelSaveContext.FormatVersion} is expected.");
            string signature = reader.ReadString();
            if (!ModelLoaders.TryGet(signature, out var load))
                throw new InvalidDataException($"Entry '{name}' holds an unknown component '{signature}'.");
            return load(this, reader);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"Entry '{name}' is truncated.", ex);
        }
    }

    internal ITransformer LoadTransformer(string subDirectory)
        => new ModelLoadContext(_archive, Directory.Length == 0 ? subDirectory : Directory + "/" + subDirectory).LoadTransformer();
}

/// <summary>The built-in components that <c>MLContext.Model.Load</c> can recreate, by loader signature.</summary>
internal static class ModelLoaders
{
    private static readonly Dictionary<string, Func<ModelLoadContext, BinaryReader, ITransformer>> Loaders = new()
    {
        [Data.TransformerChainLoader.LoaderSignature] = Data.TransformerChainLoader.Load,
        [Transforms.ColumnCopyingTransformer.LoaderSignature] = Transforms.ColumnCopyingTransformer.Load,
        [Data.ColumnConcatenatingTransformer.LoaderSignature] = Data.ColumnConcatenatingTransformer.Load,
        [Transforms.ValueToKeyMappingTransformer.LoaderSignature] = Transforms.ValueToKeyMappingTransformer.Load,
        [Transforms.KeyToValueMappingTransformer.LoaderSignature] = Transforms.KeyToValueMappingTransformer.Load,
        [Transforms.NormalizingTransformer.LoaderSignature] = Transforms.NormalizingTransformer.Load,
    };

    public static bool TryGet(string signature, out Func<ModelLoadContext, BinaryReader, ITransformer> load)
        => Loaders.TryGetValue(signature, out load!);
}
