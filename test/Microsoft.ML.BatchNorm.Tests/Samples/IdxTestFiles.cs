using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.BatchNorm.Tests.Samples;

/// <summary>Writes small gzip IDX files, valid or deliberately broken, for the reader tests.</summary>
internal static class IdxTestFiles
{
    /// <summary>
    /// Writes <c>gzip(magic, sizes..., data)</c> with big-endian 32-bit header words, as the IDX format specifies.
    /// The sizes and the data need not agree: that is how truncated and over-long files are made.
    /// </summary>
    public static string Write(string directory, string fileName, int magic, int[] sizes, byte[] data)
    {
        string path = Path.Combine(directory, fileName);
        File.WriteAllBytes(path, Compress(Encode(magic, sizes, data)));
        return path;
    }

    /// <summary>The uncompressed IDX bytes.</summary>
    public static byte[] Encode(int magic, int[] sizes, byte[] data)
    {
        var bytes = new byte[4 * (1 + sizes.Length) + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < sizes.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 * (i + 1)), sizes[i]);
        data.CopyTo(bytes, 4 * (1 + sizes.Length));
        return bytes;
    }

    /// <summary>gzip-compresses <paramref name="raw"/>.</summary>
    public static byte[] Compress(byte[] raw)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(raw);
        return buffer.ToArray();
    }

    /// <summary>count images of rows x columns whose pixel values are a known function of their position.</summary>
    public static byte[] Pattern(int count, int rows, int columns)
        => Enumerable.Range(0, count * rows * columns).Select(i => (byte)((i * 37 + 11) % 256)).ToArray();
}
