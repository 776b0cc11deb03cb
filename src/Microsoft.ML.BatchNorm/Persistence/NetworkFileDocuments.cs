namespace Microsoft.ML.BatchNorm.Persistence;

// The JSON documents of the model file (format version 4: version 3 plus the layers' BatchNormalizationPlacement and
// BatchNormalize entries (listed with the networks, Kind "BatchNormalize"), written only by files that need one of
// them; format version 3: version 2 plus the manifest's EntrySha256 and the
// manifest.json.sha256 entry; format version 2: the guard layout with Before, and headers that may carry
// Task, LabelMean and LabelStandardDeviation; version 1 is the same without those and held only multiclass networks).
// Field names are part of the format: renaming one is a format change that needs a new version.

/// <summary>BatchNormExtensions/manifest.json: what follows the built-in model at the zip's root.</summary>
internal sealed class ManifestDocument
{
    public string Format { get; set; } = "";
    public int FormatVersion { get; set; }

    /// <summary>Version 2: the entry holding the built-in transformers before the first network (version 1 kept them at the zip's root).</summary>
    public string? Before { get; set; }

    public List<NetworkEntryDocument> Networks { get; set; } = [];

    /// <summary>
    /// Version 3: the SHA-256 (upper-case hex) of the exact stored bytes of each of our entries under
    /// BatchNormExtensions/ except this manifest, by entry name. The manifest's own SHA-256 is in
    /// <c>BatchNormExtensions/manifest.json.sha256</c>. Null in versions 1 and 2.
    /// </summary>
    public Dictionary<string, string>? EntrySha256 { get; set; }
}

/// <summary>One network (or, format version 4, one BatchNormalize transform) of the pipeline and the built-in transformers after it.</summary>
internal sealed class NetworkEntryDocument
{
    /// <summary>Format version 4: "BatchNormalize" for a BatchNormalize transform; absent for a network.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; set; }

    public string Header { get; set; } = "";
    public string Parameters { get; set; } = "";
    public string After { get; set; } = "";
}

/// <summary>BatchNormExtensions/network-N.json: the network's shape, label keys and the parameter blob's checksum.</summary>
internal sealed class NetworkHeaderDocument
{
    /// <summary>"Multiclass" (or absent: multiclass, always so in format version 1), "Binary" or "Regression" (format version 2).</summary>
    public string? Task { get; set; }

    public string FeatureColumnName { get; set; } = "";
    public string LabelKeyRawType { get; set; } = "";
    public ulong LabelKeyCount { get; set; }
    public string? LabelKeyValueType { get; set; }
    public string[]? LabelKeyValues { get; set; }

    /// <summary>Regression: the training label's mean and standard deviation (Score = output * std + mean).</summary>
    public float? LabelMean { get; set; }

    public float? LabelStandardDeviation { get; set; }
    public List<LayerDocument> Layers { get; set; } = [];
    public long ParameterCount { get; set; }
    public string ParametersSha256 { get; set; } = "";
    public List<EpochDocument> History { get; set; } = [];
}

/// <summary>One layer; its arrays are stored in the parameter blob in this order: weights, bias, gamma, beta, running mean, running variance (those present).</summary>
internal sealed class LayerDocument
{
    public int InputSize { get; set; }
    public int OutputSize { get; set; }
    public bool HasBias { get; set; }
    public bool HasBatchNormalization { get; set; }
    public bool HasRelu { get; set; }
    public float BatchNormalizationEpsilon { get; set; }

    /// <summary>
    /// Format version 4: "AfterActivation" for a layer whose batch normalization follows its ReLU (dense + bias ->
    /// ReLU -> BN). Absent (always so before version 4) or "BeforeActivation": dense -> BN -> ReLU. Written only for
    /// "AfterActivation", so files of networks without it stay readable by version 3 readers.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? BatchNormalizationPlacement { get; set; }
}

internal sealed class EpochDocument
{
    public int Epoch { get; set; }
    public double TrainingLoss { get; set; }
    /// <summary>Null for regression (no accuracy).</summary>
    public double? TrainingAccuracy { get; set; }
    public double? ValidationLoss { get; set; }
    public double? ValidationAccuracy { get; set; }
    public double ElapsedSeconds { get; set; }
    /// <summary>The epoch's train/inference gap; absent in files written before it existed, or when it was off.</summary>
    public InferenceGapDocument? InferenceGap { get; set; }
}

/// <summary>MultilayerPerceptronInferenceGap; accuracies null for regression (JSON has no NaN).</summary>
internal sealed class InferenceGapDocument
{
    public int SampleRows { get; set; }
    public double TrainingModeLoss { get; set; }
    public double? TrainingModeAccuracy { get; set; }
    public double InferenceLoss { get; set; }
    public double? InferenceAccuracy { get; set; }
    public List<double> StatisticsDistances { get; set; } = [];
}

/// <summary>
/// BatchNormExtensions/batch-normalize-N.json (format version 4): the columns of a BatchNormalize transform and the
/// parameter blob's checksum. The blob holds, per column in this order, little-endian: mean and variance (float64, one
/// per slot each), gamma and beta (float32, one per slot each).
/// </summary>
internal sealed class BatchNormalizeHeaderDocument
{
    public List<BatchNormalizeColumnDocument> Columns { get; set; } = [];
    public long ParameterBytes { get; set; }
    public string ParametersSha256 { get; set; } = "";
}

internal sealed class BatchNormalizeColumnDocument
{
    public string OutputColumnName { get; set; } = "";
    public string InputColumnName { get; set; } = "";
    public bool IsVector { get; set; }
    public int SlotCount { get; set; }
    public float Epsilon { get; set; }

    /// <summary>The input's slot names seen at Fit, or null.</summary>
    public string[]? SlotNames { get; set; }
}
