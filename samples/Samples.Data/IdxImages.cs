namespace Microsoft.ML.BatchNorm.Samples.Data;

/// <summary>
/// The content of an IDX image file: <see cref="Count"/> images of <see cref="Rows"/> x <see cref="Columns"/>
/// unsigned bytes, stored image after image, each row-major (pixel (r, c) of image i is at
/// <c>Pixels[i * Rows * Columns + r * Columns + c]</c>).
/// </summary>
public sealed class IdxImages
{
    /// <summary>Wraps the pixels (not copied).</summary>
    /// <param name="count">Number of images, at least 0.</param>
    /// <param name="rows">Rows per image, at least 1.</param>
    /// <param name="columns">Columns per image, at least 1.</param>
    /// <param name="pixels">count x rows x columns bytes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="pixels"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="pixels"/> does not hold exactly count x rows x columns bytes.</exception>
    public IdxImages(int count, int rows, int columns, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if ((long)count * rows * columns != pixels.Length)
            throw new ArgumentException(
                $"{count} images of {rows} x {columns} need {(long)count * rows * columns} bytes; got {pixels.Length}.", nameof(pixels));
        Count = count;
        Rows = rows;
        Columns = columns;
        Pixels = pixels;
    }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Rows (height) of each image.</summary>
    public int Rows { get; }

    /// <summary>Columns (width) of each image.</summary>
    public int Columns { get; }

    /// <summary>Pixels per image: Rows x Columns.</summary>
    public int PixelsPerImage => Rows * Columns;

    /// <summary>All pixels, image after image, each row-major; shared, not a copy.</summary>
    public byte[] Pixels { get; }
}
