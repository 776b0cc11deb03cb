using System.Buffers.Binary;

namespace Microsoft.ML.BatchNorm.Onnx;

/// <summary>
/// Builds an ONNX model (a <c>ModelProto</c> with one graph, https://github.com/onnx/onnx/blob/main/onnx/onnx.proto)
/// from nodes, float/double/int64 initializers, typed inputs and outputs and metadata strings, and serializes it with
/// <see cref="ProtobufWriter"/>. Node names are generated (<c>op_0</c>, ...) unless given.
/// </summary>
internal sealed class OnnxModelBuilder
{
    /// <summary>ONNX IR version 8 (ONNX 1.10+): readable by every ONNX Runtime since 1.10.</summary>
    public const long IrVersion = 8;

    /// <summary>Default-domain opset: 15 is the first with today's BatchNormalization (training_mode attribute).</summary>
    public const long OpsetVersion = 15;

    // TensorProto.DataType values.
    public const int Float = 1;
    public const int Int64 = 7;
    public const int String = 8;
    public const int Bool = 9;
    public const int Double = 11;

    /// <summary>The ONNX-ML operator domain (LabelEncoder) and the opset imported when a node uses it.</summary>
    public const string MlDomain = "ai.onnx.ml";
    public const long MlOpsetVersion = 2;

    private readonly List<Action<ProtobufWriter>> _nodes = [];
    private readonly List<Action<ProtobufWriter>> _initializers = [];
    private readonly List<Action<ProtobufWriter>> _inputs = [];
    private readonly List<Action<ProtobufWriter>> _outputs = [];
    private readonly List<(string Key, string Value)> _metadata = [];
    private readonly HashSet<string> _names = [];
    private bool _usesMlDomain;

    /// <summary>A tensor dimension: a fixed size, or a symbolic one (e.g. the batch size "N").</summary>
    public readonly record struct Dim(long Value, string? Param)
    {
        public static implicit operator Dim(long value) => new(value, null);

        public static implicit operator Dim(string param) => new(0, param);
    }

    /// <summary>A node attribute: one of float, int, ints, string or strings.</summary>
    public sealed class Attribute
    {
        private readonly Action<ProtobufWriter> _write;

        private Attribute(Action<ProtobufWriter> write) => _write = write;

        internal void Write(ProtobufWriter w) => _write(w);

        // AttributeProto: name = 1, f = 2, i = 3, s = 4, ints = 8, strings = 9, type = 20 (FLOAT 1, INT 2, STRING 3, INTS 7, STRINGS 8).
        public static Attribute Of(string name, float value) => new(w => { w.String(1, name); w.Float(2, value); w.Int64(20, 1); });

        public static Attribute Of(string name, long value) => new(w => { w.String(1, name); w.Int64(3, value); w.Int64(20, 2); });

        public static Attribute Of(string name, string value) => new(w => { w.String(1, name); w.String(4, value); w.Int64(20, 3); });

        public static Attribute Of(string name, long[] values) => new(w =>
        {
            w.String(1, name);
            foreach (long v in values)
                w.Int64(8, v);
            w.Int64(20, 7);
        });

        public static Attribute Of(string name, string[] values) => new(w =>
        {
            w.String(1, name);
            foreach (string v in values)
                w.String(9, v);
            w.Int64(20, 8);
        });
    }

    /// <summary>Adds a node; returns its output name (the first one).</summary>
    /// <exception cref="ArgumentException">An output name is already used.</exception>
    public string AddNode(string opType, string[] inputs, string[] outputs, params Attribute[] attributes)
        => AddNamedNode($"op_{_nodes.Count}", opType, inputs, outputs, attributes);

    /// <summary>Adds a node with a given node name (node names are not values: they may repeat value names).</summary>
    public string AddNamedNode(string nodeName, string opType, string[] inputs, string[] outputs, params Attribute[] attributes)
        => AddNamedNode(nodeName, "", opType, inputs, outputs, attributes);

    /// <summary>Adds a node of an operator domain ("" default, or <see cref="MlDomain"/>) with a given node name.</summary>
    public string AddNamedNode(string nodeName, string domain, string opType, string[] inputs, string[] outputs, params Attribute[] attributes)
    {
        foreach (var output in outputs)
            Claim(output);
        _usesMlDomain |= domain == MlDomain;
        // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.
        _nodes.Add(w =>
        {
            foreach (var input in inputs) w.String(1, input);
            foreach (var output in outputs) w.String(2, output);
            w.String(3, nodeName);
            w.String(4, opType);
            foreach (var attribute in attributes) w.Message(5, attribute.Write);
            if (domain.Length > 0) w.String(7, domain);
        });
        return outputs[0];
    }

    /// <summary>A float32 initializer (stored little-endian in raw_data).</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return AddRawInitializer(name, Float, bytes, values.Length, dims);
    }

    /// <summary>A float64 initializer.</summary>
    public string AddInitializer(string name, ReadOnlySpan<double> values, params long[] dims)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
        return AddRawInitializer(name, Double, bytes, values.Length, dims);
    }

    /// <summary>An int64 initializer.</summary>
    public string AddInitializer(string name, ReadOnlySpan<long> values, params long[] dims)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return AddRawInitializer(name, Int64, bytes, values.Length, dims);
    }

    /// <summary>A string initializer (UTF-8, in string_data).</summary>
    public string AddInitializer(string name, string[] values, params long[] dims)
    {
        CheckCount(name, values.Length, dims);
        Claim(name);
        // TensorProto: dims = 1, data_type = 2, string_data = 6, name = 8.
        _initializers.Add(w =>
        {
            w.PackedInt64(1, dims);
            w.Int64(2, String);
            foreach (var value in values) w.String(6, value);
            w.String(8, name);
        });
        return name;
    }

    private static void CheckCount(string name, int count, long[] dims)
    {
        long product = 1;
        foreach (long d in dims) product *= d;
        if (product != count)
            throw new ArgumentException($"Initializer '{name}': {count} values do not fill the shape [{string.Join(", ", dims)}].");
    }

    private string AddRawInitializer(string name, int dataType, byte[] raw, int count, long[] dims)
    {
        CheckCount(name, count, dims);
        Claim(name);
        // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9.
        _initializers.Add(w =>
        {
            w.PackedInt64(1, dims);
            w.Int64(2, dataType);
            w.String(8, name);
            w.Bytes(9, raw);
        });
        return name;
    }

    /// <summary>A graph input of a tensor type.</summary>
    public string AddInput(string name, int elementType, params Dim[] shape)
    {
        Claim(name);
        _inputs.Add(w => WriteValueInfo(w, name, elementType, shape));
        return name;
    }

    /// <summary>A graph output (the name of a value some node produces).</summary>
    public void AddOutput(string name, int elementType, params Dim[] shape)
        => _outputs.Add(w => WriteValueInfo(w, name, elementType, shape));

    /// <summary>A <c>metadata_props</c> entry of the model.</summary>
    public void AddMetadata(string key, string value) => _metadata.Add((key, value));

    /// <summary>Serializes the model.</summary>
    public byte[] Build(string graphName, string producerName, string producerVersion, string docString)
    {
        var model = new ProtobufWriter();
        // ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6, graph = 7,
        // opset_import = 8, metadata_props = 14.
        model.Int64(1, IrVersion);
        model.String(2, producerName);
        model.String(3, producerVersion);
        model.String(6, docString);
        model.Message(7, g =>
        {
            // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
            foreach (var node in _nodes) g.Message(1, node);
            g.String(2, graphName);
            foreach (var initializer in _initializers) g.Message(5, initializer);
            foreach (var input in _inputs) g.Message(11, input);
            foreach (var output in _outputs) g.Message(12, output);
        });
        // OperatorSetIdProto: domain = 1 (empty: the default domain), version = 2.
        model.Message(8, o => { o.String(1, ""); o.Int64(2, OpsetVersion); });
        if (_usesMlDomain)
            model.Message(8, o => { o.String(1, MlDomain); o.Int64(2, MlOpsetVersion); });
        foreach (var (key, value) in _metadata)
            model.Message(14, p => { p.String(1, key); p.String(2, value); });
        return model.ToArray();
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
            throw new ArgumentException($"The ONNX value name '{name}' is used twice.");
    }

    private static void WriteValueInfo(ProtobufWriter w, string name, int elementType, Dim[] shape)
    {
        // ValueInfoProto: name = 1, type = 2. TypeProto: tensor_type = 1. TypeProto.Tensor: elem_type = 1, shape = 2.
        // TensorShapeProto: dim = 1. Dimension: dim_value = 1, dim_param = 2.
        w.String(1, name);
        w.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Int64(1, elementType);
            tensor.Message(2, s =>
            {
                foreach (var dim in shape)
                    s.Message(1, d =>
                    {
                        if (dim.Param is null) d.Int64(1, dim.Value);
                        else d.String(2, dim.Param);
                    });
            });
        }));
    }
}
