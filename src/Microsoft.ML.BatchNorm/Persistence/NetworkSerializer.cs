using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Microsoft.ML.BatchNorm.Persistence;

/// <summary>
/// Turns a <see cref="MultilayerPerceptronPredictionTransformer"/> into a JSON header and a little-endian float32
/// parameter blob, and back, checking every size and the blob's SHA-256.
/// </summary>
internal static class NetworkSerializer
{
    public static (NetworkHeaderDocument Header, byte[] Parameters) Write(MultilayerPerceptronPredictionTransformer transformer)
    {
        var keyValues = transformer.LabelKeyValues.ToPortable();
        var header = new NetworkHeaderDocument
        {
            FeatureColumnName = transformer.FeatureColumnName,
            LabelKeyRawType = transformer.LabelType.RawType.Name,
            LabelKeyCount = transformer.LabelType.Count,
            LabelKeyValueType = keyValues?.ItemType,
            LabelKeyValues = keyValues?.Values,
            History = transformer.Model.History.Select(e => new EpochDocument
            {
                Epoch = e.Epoch,
                TrainingLoss = e.TrainingLoss,
                TrainingAccuracy = e.TrainingAccuracy,
                ValidationLoss = e.ValidationLoss,
                ValidationAccuracy = e.ValidationAccuracy,
                ElapsedSeconds = e.Elapsed.TotalSeconds,
            }).ToList(),
        };
        var floats = new List<float>();
        foreach (var layer in transformer.Model.Network.Layers)
        {
            header.Layers.Add(new LayerDocument
            {
                InputSize = layer.InputSize,
                OutputSize = layer.OutputSize,
                HasBias = layer.Bias is not null,
                HasBatchNormalization = layer.HasBatchNorm,
                HasRelu = layer.HasRelu,
                BatchNormalizationEpsilon = layer.HasBatchNorm ? layer.BatchNormEpsilon : 0f,
            });
            floats.AddRange(layer.Weights);
            if (layer.Bias is not null)
                floats.AddRange(layer.Bias);
            if (layer.HasBatchNorm)
            {
                floats.AddRange(layer.Gamma!);
                floats.AddRange(layer.Beta!);
                floats.AddRange(layer.RunningMean!);
                floats.AddRange(layer.RunningVariance!);
            }
        }
        byte[] blob = ToLittleEndian(CollectionsMarshal.AsSpan(floats));
        header.ParameterCount = floats.Count;
        header.ParametersSha256 = Convert.ToHexString(SHA256.HashData(blob));
        return (header, blob);
    }

    /// <exception cref="InvalidDataException">The header and the blob disagree, the checksum fails, or a size is invalid.</exception>
    public static MultilayerPerceptronPredictionTransformer Read(NetworkHeaderDocument header, byte[] blob, string entry)
    {
        if (blob.Length != header.ParameterCount * sizeof(float))
            throw new InvalidDataException($"{entry}: the parameter blob has {blob.Length} bytes; the header promises {header.ParameterCount} floats (the file is truncated or corrupted).");
        if (!string.Equals(Convert.ToHexString(SHA256.HashData(blob)), header.ParametersSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{entry}: the parameters' checksum does not match (the file is corrupted).");
        if (header.Layers.Count == 0)
            throw new InvalidDataException($"{entry}: the network has no layers.");
        float[] floats = FromLittleEndian(blob);
        int offset = 0;
        float[] Next(long count)
        {
            if (count < 1 || offset + count > floats.Length)
                throw new InvalidDataException($"{entry}: the layer sizes do not match the {floats.Length} stored parameters.");
            var array = floats.AsSpan(offset, (int)count).ToArray();
            offset += (int)count;
            return array;
        }

        var layers = new List<MlpLayer>();
        try
        {
            foreach (var l in header.Layers)
            {
                var weights = Next((long)l.InputSize * l.OutputSize);
                var bias = l.HasBias ? Next(l.OutputSize) : null;
                float[]? gamma = null, beta = null, mean = null, variance = null;
                if (l.HasBatchNormalization)
                {
                    gamma = Next(l.OutputSize);
                    beta = Next(l.OutputSize);
                    mean = Next(l.OutputSize);
                    variance = Next(l.OutputSize);
                }
                layers.Add(new MlpLayer(l.InputSize, l.OutputSize, weights, bias, gamma, beta, mean, variance,
                    l.BatchNormalizationEpsilon, l.HasRelu));
            }
            if (offset != floats.Length)
                throw new InvalidDataException($"{entry}: {floats.Length - offset} stored parameters are left over after the last layer.");
            var network = new MlpNetwork(layers);
            var labelType = new KeyDataViewType(RawKeyType(header.LabelKeyRawType, entry), header.LabelKeyCount);
            var history = header.History.Select(e => new MultilayerPerceptronEpoch(e.Epoch, e.TrainingLoss, e.TrainingAccuracy,
                e.ValidationLoss, e.ValidationAccuracy, TimeSpan.FromSeconds(e.ElapsedSeconds))).ToArray();
            return new MultilayerPerceptronPredictionTransformer(new MultilayerPerceptronModelParameters(network, history),
                header.FeatureColumnName, labelType, LabelKeyValues.FromPortable(header.LabelKeyValueType, header.LabelKeyValues));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{entry}: the stored network is invalid: {e.Message}", e);
        }
    }

    private static Type RawKeyType(string name, string entry) => name switch
    {
        nameof(Byte) => typeof(byte),
        nameof(UInt16) => typeof(ushort),
        nameof(UInt32) => typeof(uint),
        nameof(UInt64) => typeof(ulong),
        _ => throw new InvalidDataException($"{entry}: unknown label key type '{name}'."),
    };

    private static byte[] ToLittleEndian(ReadOnlySpan<float> values)
    {
        var bytes = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < bytes.Length; i += 4)
                Array.Reverse(bytes, i, 4);
        }
        return bytes;
    }

    private static float[] FromLittleEndian(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < copy.Length; i += 4)
                Array.Reverse(copy, i, 4);
        }
        return MemoryMarshal.Cast<byte, float>(copy).ToArray();
    }
}
