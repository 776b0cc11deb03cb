using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.BatchNorm.Persistence;

/// <summary>
/// Turns a <see cref="BatchNormalizingTransformer"/> into a JSON header and a little-endian parameter blob (the mean
/// and variance as float64, gamma and beta as float32: every fitted state exactly, see
/// <see cref="BatchNormalizeHeaderDocument"/>), and back, checking every size and the blob's SHA-256. The transformer
/// read back computes the same float parameters from the same values, so its output is bit for bit the original's.
/// </summary>
internal static class BatchNormalizeSerializer
{
    public const string Kind = "BatchNormalize";

    public static (BatchNormalizeHeaderDocument Header, byte[] Parameters) Write(BatchNormalizingTransformer transformer)
    {
        var header = new BatchNormalizeHeaderDocument();
        var blob = new List<byte>();
        var buffer = new byte[8];
        foreach (var column in transformer.Columns)
        {
            header.Columns.Add(new BatchNormalizeColumnDocument
            {
                OutputColumnName = column.OutputColumnName,
                InputColumnName = column.InputColumnName,
                IsVector = column.IsVector,
                SlotCount = column.SlotCount,
                Epsilon = column.Epsilon,
                SlotNames = column.SlotNames?.ToArray(),
            });
            foreach (var values in new[] { column.Mean, column.Variance })
            {
                foreach (double v in values)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(buffer, v);
                    blob.AddRange(buffer);
                }
            }
            foreach (var values in new[] { column.Gamma, column.Beta })
            {
                foreach (float v in values)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(buffer, v);
                    blob.AddRange(buffer.AsSpan(0, 4));
                }
            }
        }
        byte[] bytes = blob.ToArray();
        header.ParameterBytes = bytes.Length;
        header.ParametersSha256 = Convert.ToHexString(SHA256.HashData(bytes));
        return (header, bytes);
    }

    /// <exception cref="InvalidDataException">The header and the blob disagree, the checksum fails, or a stored value is invalid; the message names <paramref name="entry"/>.</exception>
    public static BatchNormalizingTransformer Read(BatchNormalizeHeaderDocument header, byte[] blob, string entry)
    {
        if (blob.Length != header.ParameterBytes)
            throw new InvalidDataException($"{entry}: the parameter blob has {blob.Length} bytes; the header promises {header.ParameterBytes} (the file is truncated or corrupted).");
        if (!string.Equals(Convert.ToHexString(SHA256.HashData(blob)), header.ParametersSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{entry}: the parameters' checksum does not match (the file is corrupted).");
        if (header.Columns.Count == 0)
            throw new InvalidDataException($"{entry}: the BatchNormalize transform has no columns.");
        int offset = 0;
        int Next(int slots, int bytesPerValue)
        {
            if (slots < 1 || offset + (long)slots * bytesPerValue > blob.Length)
                throw new InvalidDataException($"{entry}: the column sizes do not match the {blob.Length} stored bytes.");
            int start = offset;
            offset += slots * bytesPerValue;
            return start;
        }
        double[] Doubles(int slots)
        {
            int start = Next(slots, 8);
            return Enumerable.Range(0, slots).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(blob.AsSpan(start + i * 8))).ToArray();
        }
        float[] Singles(int slots)
        {
            int start = Next(slots, 4);
            return Enumerable.Range(0, slots).Select(i => BinaryPrimitives.ReadSingleLittleEndian(blob.AsSpan(start + i * 4))).ToArray();
        }

        var columns = new List<BatchNormalizingTransformer.ColumnParameters>();
        try
        {
            foreach (var c in header.Columns)
            {
                if (string.IsNullOrEmpty(c.OutputColumnName) || string.IsNullOrEmpty(c.InputColumnName) || (!c.IsVector && c.SlotCount != 1)
                    || (c.SlotNames is not null && c.SlotNames.Length != c.SlotCount) || !(c.Epsilon > 0) || !float.IsFinite(c.Epsilon))
                    throw new InvalidDataException($"{entry}: column '{c.OutputColumnName}' is invalid (names, slot count {c.SlotCount}, epsilon {c.Epsilon}).");
                var mean = Doubles(c.SlotCount);
                var variance = Doubles(c.SlotCount);
                var gamma = Singles(c.SlotCount);
                var beta = Singles(c.SlotCount);
                columns.Add(new BatchNormalizingTransformer.ColumnParameters(c.OutputColumnName, c.InputColumnName, c.IsVector,
                    mean, variance, gamma, beta, c.Epsilon, c.SlotNames));
            }
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{entry}: the stored BatchNormalize transform is invalid: {e.Message}", e);
        }
        if (offset != blob.Length)
            throw new InvalidDataException($"{entry}: {blob.Length - offset} stored bytes are left over after the last column.");
        return new BatchNormalizingTransformer(columns.ToArray());
    }
}
