using System.ComponentModel;
using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.BatchNorm.Persistence;

/// <summary>
/// The model at the root of a <c>SaveWithNetworks</c> file (format version 2 and later): a <c>CustomMapping</c> whose
/// factory, found by plain <c>mlContext.Model.Load</c> from the contract name stored in the file, throws
/// <see cref="NotSupportedException"/> naming <c>LoadWithNetworks</c>. Plain Load of such a file therefore fails
/// loudly instead of loading the built-in part without its networks. <c>LoadWithNetworks</c> never loads this root.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class NetworkFileGuard : CustomMappingFactory<NetworkFileGuard.Nothing, NetworkFileGuard.Nothing>
{
    /// <summary>The contract name stored in the root of SaveWithNetworks files.</summary>
    public const string ContractName = "BatchNormExtensions.ML.NetworkFile";

    internal const string Message =
        "This model file was written by mlContext.Model.SaveWithNetworks: it holds MultilayerPerceptron networks or " +
        "BatchNormalize transforms (stored exactly, in entries of its own) that plain mlContext.Model.Load cannot run. Load it with mlContext.Model.LoadWithNetworks(filePath, out inputSchema) (namespace " +
        "Microsoft.ML, package BatchNormExtensions.ML). To get files that plain Model.Load reads, save with plain " +
        "mlContext.Model.Save with the companion package BatchNormExtensions.ML.Onnx referenced.";

    /// <summary>Always throws: a SaveWithNetworks file is read with LoadWithNetworks.</summary>
    /// <exception cref="NotSupportedException">Always; the message names LoadWithNetworks.</exception>
    public override Action<Nothing, Nothing> GetMapping() => throw new NotSupportedException(Message);

    /// <summary>No columns.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Nothing
    {
    }

    /// <summary>The root model's bytes: an ML.NET model of the guard over <paramref name="inputSchema"/>.</summary>
    internal static byte[] Create(ModelOperationsCatalog catalog, DataViewSchema inputSchema)
    {
        var ml = new MLContext();
        var guard = ml.Transforms.CustomMapping<Nothing, Nothing>(static (_, _) => { }, ContractName)
            .Fit(new InMemoryDataView(inputSchema, []));
        using var stream = new MemoryStream();
        catalog.Save(guard, inputSchema, stream);
        return stream.ToArray();
    }
}
