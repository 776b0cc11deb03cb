using System.Buffers.Binary;
using System.Xml.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Samples;

/// <summary>Checks of the sample's chart files: a PNG of the stated size, a well-formed SVG of the stated size.</summary>
internal static class ImageFileAssert
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// The file starts with the PNG signature and an IHDR chunk (length 13, PNG specification section 11.2.2) whose
    /// big-endian width and height are the given ones.
    /// </summary>
    public static void IsPng(string path, int width, int height)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.IsTrue(bytes.Length > 8 + 8 + 13 + 4, $"{path}: {bytes.Length} bytes is too short for a PNG");
        CollectionAssert.AreEqual(PngSignature, bytes[..8], $"{path}: PNG signature");
        Assert.AreEqual(13, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)), "IHDR length");
        Assert.AreEqual("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4), "first chunk");
        Assert.AreEqual(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), "IHDR width");
        Assert.AreEqual(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)), "IHDR height");
    }

    /// <summary>The file parses as XML with an SVG root of the given size; returns the document.</summary>
    public static XDocument IsSvg(string path, int width, int height)
    {
        XDocument document = XDocument.Load(path);   // throws XmlException when not well-formed
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.AreEqual(svg + "svg", document.Root!.Name, "root element");
        Assert.AreEqual(width.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)document.Root.Attribute("width"));
        Assert.AreEqual(height.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)document.Root.Attribute("height"));
        return document;
    }
}
