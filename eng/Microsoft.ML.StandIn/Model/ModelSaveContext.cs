using System.IO.Compression;
using System.Text;

namespace Microsoft.ML;

/// <summary>
/// The context a model is saved into. Opaque to other assemblies (as in ML.NET, where every member but
/// <see cref="Dispose"/> is internal): a component of another assembly can only hand it to a built-in transformer's
/// <see cref="ICanSaveModel.Save"/>.
/// </summary>
/// <remarks>
/// The stand-in's format: a zip with one entry <c>&lt;directory&gt;/Model.key</c> per saved component, starting with a
/// header (<see cref="Magic"/>, format version, loader signature) followed by the component's own payload.
/// </remarks>
public sealed class ModelSaveContext : IDisposable
{
    internal const string Magic = "Microsoft.ML.StandIn model";
    internal const int FormatVersion = 1;
    internal const string ModelEntryName = "Model.key";

    private readonly ZipArchive _archive;
    private bool _saved;

    internal ModelSaveContext(ZipArchive archive, string directory)
    {
        _archive = archive;
        Directory = directory;
    }

    /// <summary>The directory (entry name prefix) of the component being saved.</summary>
    internal string Directory { get; }

    internal static string EntryName(string directory) => directory.Length == 0 ? ModelEntryName : directory + "/" + ModelEntryName;

    /// <summary>Writes this directory's model entry: the header with <paramref name="loaderSignature"/>, then the payload.</summary>
    /// <exception cref="InvalidOperationException">This context already holds a model.</exception>
    internal void SaveModelEntry(string loaderSignature, Action<BinaryWriter> writePayload)
    {
        if (_saved)
            throw new InvalidOperationException($"A model was already saved in '{Directory}'.");
        _saved = true;
        var entry = _archive.CreateEntry(EntryName(Directory), CompressionLevel.Fastest);
        using var stream = entry.Open();
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: false);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(loaderSignature);
        writePayload(writer);
    }

    /// <summary>Saves <paramref name="model"/> into the sub-directory <paramref name="name"/>.</summary>
    internal void SaveModel(ICanSaveModel model, string name)
    {
        using var child = new ModelSaveContext(_archive, Directory.Length == 0 ? name : Directory + "/" + name);
        model.Save(child);
        if (!child._saved)
            throw new InvalidOperationException($"'{model.GetType()}' did not save any model entry.");
    }

    internal bool HasSaved => _saved;

    /// <summary>Releases the context (the archive belongs to the caller).</summary>
    public void Dispose()
    {
    }
}
