using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Microsoft.ML.BatchNorm.Persistence;

/// <summary>
/// Turns a MultilayerPerceptron prediction transformer of any task into a JSON header and a little-endian float32
/// parameter blob, and back, checking every size and the blob's SHA-256. The header's Task says which transformer it
/// was: "Binary", "Regression", or absent for multiclass (format version 1 files, plain-saved files and multiclass
/// networks in format versions 2 and 3; "Multiclass" is read too).
/// </summary>
internal static class NetworkSerializer
{
    public const string MulticlassTask = "Multiclass";
    public const string BinaryTask = "Binary";
    public const string RegressionTask = "Regression";

    /// <summary>A layer's BatchNormalizationPlacement for batch normalization after the ReLU (format version 4).</summary>
    public const string AfterActivation = "AfterActivation";

    /// <summary>The explicit spelling of the default placement (absent in the files this library writes).</summary>
    public const string BeforeActivation = "BeforeActivation";

    /// <summary>Whether a header needs format version 4 (or, in a plain-saved file, the network marker's version 2): a layer places batch normalization after its activation.</summary>
    public static bool NeedsPlacement(NetworkHeaderDocument header) => header.Layers.Any(l => l.BatchNormalizationPlacement is not null);

    public static (NetworkHeaderDocument Header, byte[] Parameters) Write(MultilayerPerceptronPredictionTransformerBase transformer)
    {
        var header = new NetworkHeaderDocument
        {
            FeatureColumnName = transformer.FeatureColumnName,
            History = transformer.Model.History.Select(e => new EpochDocument
            {
                Epoch = e.Epoch,
                TrainingLoss = e.TrainingLoss,
                // JSON has no NaN: regression's accuracies (NaN) are written as null.
                TrainingAccuracy = double.IsNaN(e.TrainingAccuracy) ? null : e.TrainingAccuracy,
                ValidationLoss = e.ValidationLoss,
                ValidationAccuracy = e.ValidationAccuracy is double v && double.IsNaN(v) ? null : e.ValidationAccuracy,
                ElapsedSeconds = e.Elapsed.TotalSeconds,
                InferenceGap = e.InferenceGap is not { } gap ? null : new InferenceGapDocument
                {
                    SampleRows = gap.SampleRows,
                    TrainingModeLoss = gap.TrainingModeLoss,
                    TrainingModeAccuracy = double.IsNaN(gap.TrainingModeAccuracy) ? null : gap.TrainingModeAccuracy,
                    InferenceLoss = gap.InferenceLoss,
                    InferenceAccuracy = double.IsNaN(gap.InferenceAccuracy) ? null : gap.InferenceAccuracy,
                    StatisticsDistances = [.. gap.StatisticsDistances],
                },
            }).ToList(),
        };
        switch (transformer)
        {
            case MultilayerPerceptronPredictionTransformer multiclass:
                var keyValues = multiclass.LabelKeyValues.ToPortable();
                header.LabelKeyRawType = multiclass.LabelType.RawType.Name;
                header.LabelKeyCount = multiclass.LabelType.Count;
                header.LabelKeyValueType = keyValues?.ItemType;
                header.LabelKeyValues = keyValues?.Values;
                break;
            case MultilayerPerceptronBinaryPredictionTransformer:
                header.Task = BinaryTask;
                break;
            case MultilayerPerceptronRegressionPredictionTransformer regression:
                header.Task = RegressionTask;
                header.LabelMean = regression.LabelMean;
                header.LabelStandardDeviation = regression.LabelStandardDeviation;
                break;
            default:
                throw new NotSupportedException($"Unknown MultilayerPerceptron transformer {transformer.GetType().Name}.");
        }
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
                BatchNormalizationPlacement = layer.HasBatchNormAfterActivation ? AfterActivation : null,
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
    public static MultilayerPerceptronPredictionTransformerBase Read(NetworkHeaderDocument header, byte[] blob, string entry)
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
                var placement = l.BatchNormalizationPlacement switch
                {
                    null or BeforeActivation => MlpBatchNormPlacement.BeforeActivation,
                    AfterActivation => MlpBatchNormPlacement.AfterActivation,
                    _ => throw new InvalidDataException($"{entry}: unknown batch-normalization placement '{l.BatchNormalizationPlacement}'."),
                };
                layers.Add(new MlpLayer(l.InputSize, l.OutputSize, weights, bias, gamma, beta, mean, variance,
                    l.BatchNormalizationEpsilon, l.HasRelu, placement));
            }
            if (offset != floats.Length)
                throw new InvalidDataException($"{entry}: {floats.Length - offset} stored parameters are left over after the last layer.");
            var network = new MlpNetwork(layers);
            var history = header.History.Select(e => new MultilayerPerceptronEpoch(e.Epoch, e.TrainingLoss, e.TrainingAccuracy ?? double.NaN,
                e.ValidationLoss, e.ValidationLoss is null ? null : e.ValidationAccuracy ?? double.NaN, TimeSpan.FromSeconds(e.ElapsedSeconds),
                e.InferenceGap is not { } gap ? null : new MultilayerPerceptronInferenceGap(gap.SampleRows, gap.TrainingModeLoss,
                    gap.TrainingModeAccuracy ?? double.NaN, gap.InferenceLoss, gap.InferenceAccuracy ?? double.NaN, gap.StatisticsDistances))).ToArray();
            var model = new MultilayerPerceptronModelParameters(network, history, (header.Task ?? MulticlassTask) switch
            {
                BinaryTask => TrainedLabel.Binary,
                RegressionTask => TrainedLabel.Regression(header.LabelMean ?? float.NaN, header.LabelStandardDeviation ?? float.NaN),
                _ => TrainedLabel.Multiclass(header.LabelKeyValueType is { } type && header.LabelKeyValues is { } values ? (type, values) : null),
            });
            switch (header.Task ?? MulticlassTask)
            {
                case MulticlassTask:
                    var labelType = new KeyDataViewType(RawKeyType(header.LabelKeyRawType, entry), header.LabelKeyCount);
                    return new MultilayerPerceptronPredictionTransformer(model, header.FeatureColumnName, labelType,
                        LabelKeyValues.FromPortable(header.LabelKeyValueType, header.LabelKeyValues));
                case BinaryTask:
                    return new MultilayerPerceptronBinaryPredictionTransformer(model, header.FeatureColumnName);
                case RegressionTask:
                    if (header.LabelMean is not float mean || header.LabelStandardDeviation is not float std)
                        throw new InvalidDataException($"{entry}: a regression network without the label's mean and standard deviation.");
                    return new MultilayerPerceptronRegressionPredictionTransformer(model, header.FeatureColumnName, mean, std);
                default:
                    throw new InvalidDataException($"{entry}: unknown task '{header.Task}'.");
            }
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
