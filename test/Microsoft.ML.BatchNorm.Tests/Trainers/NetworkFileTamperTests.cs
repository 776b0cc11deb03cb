using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Trainers;

/// <summary>
/// Tamper evidence of SaveWithNetworks files (format version 3): every entry of ours is covered by a SHA-256 over its
/// stored bytes, and a truncated file, a changed byte, a missing entry or a newer version is an
/// <see cref="InvalidDataException"/> naming the file and the entry.
/// </summary>
[TestClass]
public sealed class NetworkFileTamperTests
{
    private const string Manifest = "BatchNormExtensions/manifest.json";
    private const string ManifestDigest = "BatchNormExtensions/manifest.json.sha256";
    private const string Before = "BatchNormExtensions/before-network-1.zip";
    private const string Header = "BatchNormExtensions/network-1.json";
    private const string Parameters = "BatchNormExtensions/network-1.f32";
    private const string After = "BatchNormExtensions/after-network-1.zip";

    private static readonly Lazy<(byte[] File, string Directory)> Saved = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = TestDatasets.Split(TestDatasets.Digits());
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.BatchNormalize("Features"))
            .Append(ml.MulticlassClassification.Trainers.MultilayerPerceptron(hiddenLayerSizes: [16], numberOfEpochs: 1))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var data = ml.Data.LoadFromEnumerable(train);
        var model = pipeline.Fit(data);
        string directory = Path.Combine(Path.GetTempPath(), "bn-tamper-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "source.zip");
        ml.Model.SaveWithNetworks(model, data.Schema, path);
        return (File.ReadAllBytes(path), directory);
    });

    private static string Copy(string name)
    {
        string path = Path.Combine(Saved.Value.Directory, name);
        File.WriteAllBytes(path, Saved.Value.File);
        return path;
    }

    private static InvalidDataException AssertRefused(string path, params string[] entries)
    {
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadWithNetworks(path, out _));
        StringAssert.Contains(error.Message, path);
        foreach (var entry in entries)
            StringAssert.Contains(error.Message, entry);
        return error;
    }

    [TestMethod]
    public void UntouchedFileLoadsAndListsADigestForEveryEntryOfOurs()
    {
        string path = Copy("untouched.zip");
        Assert.IsNotNull(new MLContext().Model.LoadWithNetworks(path, out _));
        using var zip = ZipFile.OpenRead(path);
        var manifest = JsonNode.Parse(ReadEntry(zip, Manifest))!;
        Assert.AreEqual(4, (int)manifest["FormatVersion"]!, "version 4: the pipeline holds a BatchNormalize");
        var digests = manifest["EntrySha256"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
        var ours = zip.Entries.Select(e => e.FullName).Where(n => n.StartsWith("BatchNormExtensions/", StringComparison.Ordinal) && n != Manifest && n != ManifestDigest)
            .Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(ours, digests);
        Assert.AreEqual(64, Encoding.ASCII.GetString(ReadEntry(zip, ManifestDigest)).Length);
    }

    [TestMethod]
    [DataRow(Manifest)]
    [DataRow(ManifestDigest)]
    [DataRow(Before)]
    [DataRow(Header)]
    [DataRow(Parameters)]
    [DataRow(After)]
    public void AFlippedByteInAnyEntryOfOursIsRefused(string entry)
    {
        string path = Copy($"flipped-{Path.GetFileName(entry)}.zip");
        RewriteEntry(path, entry, bytes =>
        {
            bytes[bytes.Length / 2] ^= 0x01;
            return bytes;
        });
        var error = AssertRefused(path, entry);
        StringAssert.Contains(error.Message, "SHA-256");
    }

    [TestMethod]
    public void AnEditedEpsilonInTheHeaderIsRefused()
    {
        string path = Copy("epsilon.zip");
        RewriteEntry(path, Header, bytes =>
        {
            string text = Encoding.UTF8.GetString(bytes);
            var epsilon = new Regex("\"BatchNormalizationEpsilon\": ([0-9.eE+-]+)").Matches(text).First(m => float.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) != 0f);
            string edited = text[..epsilon.Groups[1].Index] + "0.5" + text[(epsilon.Groups[1].Index + epsilon.Groups[1].Length)..];
            Assert.AreNotEqual(text, edited);
            return Encoding.UTF8.GetBytes(edited);
        });
        AssertRefused(path, Header, "SHA-256");
    }

    [TestMethod]
    public void AnEditedLabelValueInTheHeaderIsRefused()
    {
        string path = Copy("label.zip");
        RewriteEntry(path, Header, bytes =>
        {
            string text = Encoding.UTF8.GetString(bytes);
            int values = text.IndexOf("\"LabelKeyValues\": [", StringComparison.Ordinal);
            Assert.IsGreaterThanOrEqualTo(0, values, text);
            int zero = text.IndexOf("\"0\"", values, StringComparison.Ordinal);
            Assert.IsTrue(zero > values && zero < text.IndexOf(']', values), text);
            return Encoding.UTF8.GetBytes(text[..zero] + "\"9\"" + text[(zero + 3)..]);
        });
        AssertRefused(path, Header, "SHA-256");
    }

    [TestMethod]
    [DataRow(Manifest)]
    [DataRow(ManifestDigest)]
    [DataRow(Before)]
    [DataRow(Header)]
    [DataRow(Parameters)]
    [DataRow(After)]
    public void AMissingEntryIsRefused(string entry)
    {
        string path = Copy($"missing-{Path.GetFileName(entry)}.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
            zip.GetEntry(entry)!.Delete();
        AssertRefused(path, entry);
    }

    [TestMethod]
    [DataRow(Before)]
    [DataRow(Header)]
    [DataRow(Parameters)]
    [DataRow(After)]
    [DataRow(Manifest)]
    public void AFileCutInsideAnEntryIsRefusedNamingIt(string entry)
    {
        // The zip's local header of the entry holds its name; cut the file a few bytes into the entry's data.
        byte[] bytes = Saved.Value.File;
        int at = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(entry));
        Assert.IsGreaterThan(0, at);
        string path = Path.Combine(Saved.Value.Directory, $"cut-{Path.GetFileName(entry)}.zip");
        File.WriteAllBytes(path, bytes[..(at + entry.Length + 10)]);
        AssertRefused(path, entry, "truncated");
    }

    [TestMethod]
    public void AFileCutInHalfIsRefusedNamingAnEntry()
    {
        byte[] bytes = Saved.Value.File;
        string path = Path.Combine(Saved.Value.Directory, "half.zip");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var error = AssertRefused(path, "truncated");
        StringAssert.Contains(error.Message, "entry ");
    }

    [TestMethod]
    public void ANewerFormatVersionIsRefusedNamingTheManifest()
    {
        string path = Copy("newer.zip");
        int newer = NetworkModelOperations.FormatVersion + 1;
        RewriteEntry(path, Manifest, bytes => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("\"FormatVersion\": 4", $"\"FormatVersion\": {newer}")));
        var error = AssertRefused(path, Manifest, "newer");
        StringAssert.Contains(error.Message, newer.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestMethod]
    public void TheCurrentVersionWithoutTheEntryDigestsIsRefused()
    {
        // The manifest without EntrySha256, with a matching manifest digest: still refused.
        string path = Copy("no-digests.zip");
        byte[] manifest = WithoutDigests(path, version: 3);
        RewriteEntry(path, ManifestDigest, _ => Encoding.ASCII.GetBytes(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(manifest))));
        AssertRefused(path, Manifest, "EntrySha256");
    }

    [TestMethod]
    public void AVersion2FileWithoutDigestsStillLoads()
    {
        // Format version 2 had neither EntrySha256 nor manifest.json.sha256.
        string path = Copy("version2.zip");
        WithoutDigests(path, version: 2);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
            zip.GetEntry(ManifestDigest)!.Delete();
        var ml = new MLContext();
        var loaded = ml.Model.LoadWithNetworks(path, out var schema);
        Assert.IsNotNull(schema.GetColumnOrNull("Features"));
        Assert.IsNotNull(loaded.GetOutputSchema(schema).GetColumnOrNull("PredictedLabel"));
    }

    /// <summary>Rewrites the manifest without EntrySha256 and with the given version; returns its new bytes.</summary>
    private static byte[] WithoutDigests(string path, int version)
    {
        byte[] result = [];
        RewriteEntry(path, Manifest, bytes =>
        {
            var node = JsonNode.Parse(bytes)!.AsObject();
            Assert.IsTrue(node.Remove("EntrySha256"));
            node["FormatVersion"] = version;
            result = Encoding.UTF8.GetBytes(node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return result;
        });
        return result;
    }

    private static byte[] ReadEntry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new AssertFailedException($"no entry {name}");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static void RewriteEntry(string path, string entryName, Func<byte[], byte[]> change)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        byte[] content = ReadEntry(zip, entryName);
        zip.GetEntry(entryName)!.Delete();
        using var output = zip.CreateEntry(entryName).Open();
        output.Write(change(content));
    }
}
