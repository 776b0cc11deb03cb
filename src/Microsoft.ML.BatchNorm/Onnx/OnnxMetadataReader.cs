using System.Text;

namespace Microsoft.ML.BatchNorm.Onnx;

/// <summary>
/// Reads the <c>metadata_props</c> (field 14 of <c>ModelProto</c>: <c>StringStringEntryProto</c> key = 1, value = 2)
/// of an ONNX model with a minimal protocol-buffers reader; every other field is skipped.
/// </summary>
internal static class OnnxMetadataReader
{
    /// <exception cref="InvalidDataException">The bytes are not a well-formed protocol-buffers message.</exception>
    public static Dictionary<string, string> Read(ReadOnlySpan<byte> model)
    {
        var result = new Dictionary<string, string>();
        int position = 0;
        while (position < model.Length)
        {
            var (field, wire) = Tag(model, ref position);
            if (field == 14 && wire == 2)
            {
                var entry = LengthDelimited(model, ref position);
                string key = "", value = "";
                int p = 0;
                while (p < entry.Length)
                {
                    var (f, w) = Tag(entry, ref p);
                    if (w == 2 && (f == 1 || f == 2))
                    {
                        string text = Encoding.UTF8.GetString(LengthDelimited(entry, ref p));
                        if (f == 1) key = text; else value = text;
                    }
                    else
                    {
                        Skip(entry, ref p, w);
                    }
                }
                result[key] = value;
            }
            else
            {
                Skip(model, ref position, wire);
            }
        }
        return result;
    }

    private static (int Field, int Wire) Tag(ReadOnlySpan<byte> data, ref int position)
    {
        ulong tag = Varint(data, ref position);
        return ((int)(tag >> 3), (int)(tag & 7));
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
                throw new InvalidDataException("The ONNX model ends inside a varint.");
            byte b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
        throw new InvalidDataException("The ONNX model holds a varint longer than 10 bytes.");
    }

    private static ReadOnlySpan<byte> LengthDelimited(ReadOnlySpan<byte> data, ref int position)
    {
        ulong length = Varint(data, ref position);
        if (length > (ulong)(data.Length - position))
            throw new InvalidDataException("The ONNX model is truncated (a field runs past its end).");
        var slice = data.Slice(position, (int)length);
        position += (int)length;
        return slice;
    }

    private static void Skip(ReadOnlySpan<byte> data, ref int position, int wire)
    {
        switch (wire)
        {
            case 0: Varint(data, ref position); break;
            case 1: position += 8; break;
            case 2: LengthDelimited(data, ref position); break;
            case 5: position += 4; break;
            default: throw new InvalidDataException($"The ONNX model holds an unknown protocol-buffers wire type {wire}.");
        }
        if (position > data.Length)
            throw new InvalidDataException("The ONNX model is truncated.");
    }
}
