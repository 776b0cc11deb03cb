using System.Buffers.Binary;
using System.Text;

namespace Microsoft.ML.BatchNorm.Onnx;

/// <summary>
/// Writes the protocol-buffers wire format (https://protobuf.dev/programming-guides/encoding/): varints,
/// 32-bit fields, length-delimited fields and nested messages. Only what the ONNX messages of
/// <see cref="OnnxModelBuilder"/> need.
/// </summary>
internal sealed class ProtobufWriter
{
    private const int WireVarint = 0;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>An int32/int64/enum/bool field (negative values take ten bytes, as protobuf's int64).</summary>
    public void Int64(int field, long value)
    {
        Tag(field, WireVarint);
        Varint(unchecked((ulong)value));
    }

    public void Float(int field, float value)
    {
        Tag(field, WireFixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireLengthDelimited);
        Varint((ulong)value.Length);
        _buffer.Write(value);
    }

    /// <summary>A nested message: <paramref name="body"/> writes its fields.</summary>
    public void Message(int field, Action<ProtobufWriter> body)
    {
        var nested = new ProtobufWriter();
        body(nested);
        Tag(field, WireLengthDelimited);
        Varint((ulong)nested._buffer.Length);
        nested._buffer.Position = 0;
        nested._buffer.CopyTo(_buffer);
    }

    /// <summary>A packed repeated int64 field.</summary>
    public void PackedInt64(int field, IReadOnlyList<long> values)
    {
        var nested = new ProtobufWriter();
        foreach (long v in values)
            nested.Varint(unchecked((ulong)v));
        Bytes(field, nested.ToArray());
    }

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}
