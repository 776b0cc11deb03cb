using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.BatchNorm.Samples.Data;

/// <summary>
/// Reads gzip-compressed IDX files, the format of MNIST and Fashion-MNIST (LeCun et al., "THE MNIST DATABASE of
/// handwritten digits", section "FILE FORMATS"): a 4-byte big-endian magic number (two zero bytes, the data type,
/// the number of dimensions), one big-endian 32-bit size per dimension, then the data in row-major order.
/// Only unsigned bytes (type 0x08) are read: images are 3-D (magic 0x00000803: count, rows, columns) and labels
/// 1-D (magic 0x00000801: count).
/// </summary>
/// <remarks>
/// Every problem with a file's content is an <see cref="InvalidDataException"/> whose message names the file and
/// the problem: not gzip, wrong magic number, wrong data type, wrong number of dimensions, impossible sizes,
/// truncated data, data beyond what the header declares, image and label counts that differ.
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned-byte images: type 0x08, 3 dimensions.</summary>
    public const int ImageFileMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned-byte labels: type 0x08, 1 dimension.</summary>
    public const int LabelFileMagic = 0x00000801;

    /// <summary>The IDX data type code of unsigned bytes.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>Reads a gzip-compressed IDX image file.</summary>
    /// <param name="path">The .gz file.</param>
    /// <returns>The images.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist (other <see cref="IOException"/>s as the file system reports them).</exception>
    /// <exception cref="InvalidDataException">The content is not a valid unsigned-byte 3-D IDX file (see remarks of <see cref="IdxReader"/>).</exception>
    public static IdxImages ReadImages(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        return ReadImages(file, path);
    }

    /// <summary>Reads a gzip-compressed IDX image file from a stream.</summary>
    /// <param name="compressed">The gzip data, read to its end; not disposed.</param>
    /// <param name="sourceName">Name of the source, used in error messages.</param>
    /// <returns>The images.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidDataException">The content is not a valid unsigned-byte 3-D IDX file.</exception>
    public static IdxImages ReadImages(Stream compressed, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        ArgumentNullException.ThrowIfNull(sourceName);
        var (sizes, data) = ReadArray(compressed, sourceName, ImageFileMagic, "image");
        if (sizes[1] < 1 || sizes[2] < 1)
            throw new InvalidDataException(
                $"'{sourceName}' declares images of {sizes[1]} x {sizes[2]} pixels; both sizes must be at least 1.");
        return new IdxImages(sizes[0], sizes[1], sizes[2], data);
    }

    /// <summary>Reads a gzip-compressed IDX label file.</summary>
    /// <param name="path">The .gz file.</param>
    /// <returns>One byte per label.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist (other <see cref="IOException"/>s as the file system reports them).</exception>
    /// <exception cref="InvalidDataException">The content is not a valid unsigned-byte 1-D IDX file.</exception>
    public static byte[] ReadLabels(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        return ReadLabels(file, path);
    }

    /// <summary>Reads a gzip-compressed IDX label file from a stream.</summary>
    /// <param name="compressed">The gzip data, read to its end; not disposed.</param>
    /// <param name="sourceName">Name of the source, used in error messages.</param>
    /// <returns>One byte per label.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidDataException">The content is not a valid unsigned-byte 1-D IDX file.</exception>
    public static byte[] ReadLabels(Stream compressed, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        ArgumentNullException.ThrowIfNull(sourceName);
        return ReadArray(compressed, sourceName, LabelFileMagic, "label").Data;
    }

    /// <summary>Reads an image file and its label file, and checks that they hold the same number of items.</summary>
    /// <param name="imagesPath">The gzip IDX image file.</param>
    /// <param name="labelsPath">The gzip IDX label file.</param>
    /// <returns>The images and one label per image.</returns>
    /// <exception cref="ArgumentException">A path is null or empty.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not valid (see <see cref="ReadImages(string)"/> and
    /// <see cref="ReadLabels(string)"/>), or the image and label counts differ (the message names both files).</exception>
    public static (IdxImages Images, byte[] Labels) ReadLabeledImages(string imagesPath, string labelsPath)
    {
        var images = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (labels.Length != images.Count)
            throw new InvalidDataException(
                $"'{imagesPath}' holds {images.Count} images but '{labelsPath}' holds {labels.Length} labels; an image file and its label file must hold the same number of items.");
        return (images, labels);
    }

    private static (int[] Sizes, byte[] Data) ReadArray(Stream compressed, string sourceName, int expectedMagic, string kind)
    {
        using var idx = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);

        Span<byte> word = stackalloc byte[4];
        ReadExactly(idx, word, sourceName, "the magic number");
        int magic = BinaryPrimitives.ReadInt32BigEndian(word);
        CheckMagic(magic, expectedMagic, sourceName, kind);

        int dimensions = expectedMagic & 0xFF;
        var sizes = new int[dimensions];
        long total = 1;
        for (int i = 0; i < dimensions; i++)
        {
            ReadExactly(idx, word, sourceName, $"the size of dimension {i}");
            sizes[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (sizes[i] < 0)
                throw new InvalidDataException($"'{sourceName}': the size of dimension {i} is {sizes[i]}; sizes cannot be negative.");
            total *= sizes[i];   // at most three factors below 2^31: cannot overflow a long
        }
        if (total > Array.MaxLength)
            throw new InvalidDataException(
                $"'{sourceName}' declares {string.Join(" x ", sizes)} = {total} bytes of data, more than one array can hold (corrupted header?).");

        var data = new byte[total];
        int read = ReadAvailable(idx, data, sourceName);
        if (read < data.Length)
            throw new InvalidDataException(
                $"'{sourceName}' is truncated: its header declares {string.Join(" x ", sizes)} = {total} bytes of {kind} data, but the file holds only {read}.");
        Span<byte> extra = stackalloc byte[1];
        if (ReadAvailable(idx, extra, sourceName) != 0)
            throw new InvalidDataException(
                $"'{sourceName}' holds more data than its header declares ({string.Join(" x ", sizes)} = {total} bytes); the file is corrupted or not what it claims.");
        return (sizes, data);
    }

    private static void CheckMagic(int magic, int expectedMagic, string sourceName, string kind)
    {
        if (magic == expectedMagic)
            return;
        int type = (magic >> 8) & 0xFF;
        int dimensions = magic & 0xFF;
        string expected = $"expected 0x{expectedMagic:X8} for an IDX {kind} file (unsigned bytes, {expectedMagic & 0xFF} dimension(s))";
        if ((magic & unchecked((int)0xFFFF0000)) != 0)
            throw new InvalidDataException(
                $"'{sourceName}' is not an IDX file: wrong magic number 0x{magic:X8} (its first two bytes must be zero), {expected}.");
        if (type != UnsignedByteType)
            throw new InvalidDataException(
                $"'{sourceName}': wrong data type 0x{type:X2} ({TypeName(type)}) in magic number 0x{magic:X8}; only 0x08 (unsigned byte) is supported, {expected}.");
        throw new InvalidDataException(
            $"'{sourceName}': wrong magic number 0x{magic:X8}: it declares {dimensions} dimension(s), {expected}. Were the image and label files swapped?");
    }

    private static string TypeName(int type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "16-bit integer",
        0x0C => "32-bit integer",
        0x0D => "32-bit float",
        0x0E => "64-bit float",
        _ => "not an IDX type",
    };

    private static void ReadExactly(Stream stream, Span<byte> buffer, string sourceName, string what)
    {
        int read = ReadAvailable(stream, buffer, sourceName);
        if (read < buffer.Length)
            throw new InvalidDataException(
                $"'{sourceName}' is truncated: it ends inside the header, while reading {what} ({read} of {buffer.Length} bytes).");
    }

    // Reads until the buffer is full or the data ends; gzip decoding errors become messages naming the file.
    private static int ReadAvailable(Stream stream, Span<byte> buffer, string sourceName)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{sourceName}' is not valid gzip data (not compressed, or corrupted): {e.Message}", e);
        }
    }
}
