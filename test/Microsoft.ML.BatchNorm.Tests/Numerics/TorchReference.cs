using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>
/// The known answers in TestData/batchnorm-torch.json: torch.nn.BatchNorm1d (PyTorch 1.13, float32) run over a
/// sequence of training steps from running mean 0 / variance 1, then one eval-mode forward. Arrays are row-major.
/// </summary>
internal sealed class TorchReference
{
    [JsonPropertyName("source")] public string Source { get; set; } = "";
    [JsonPropertyName("cases")] public List<TorchCase> Cases { get; set; } = [];

    private static readonly Lazy<TorchReference> s_instance = new(Load);

    /// <summary>The parsed file (loaded once), found next to the test assembly under TestData.</summary>
    public static TorchReference Instance => s_instance.Value;

    public TorchCase Case(string name) =>
        Cases.SingleOrDefault(c => c.Name == name) ?? throw new InvalidOperationException($"No case '{name}' in batchnorm-torch.json.");

    private static TorchReference Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "batchnorm-torch.json");
        using FileStream stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<TorchReference>(stream)
            ?? throw new InvalidOperationException($"{path} holds no JSON object.");
    }
}

internal sealed class TorchCase
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("n")] public int N { get; set; }
    [JsonPropertyName("d")] public int D { get; set; }
    [JsonPropertyName("eps")] public float Epsilon { get; set; }
    /// <summary>PyTorch's momentum: the weight of the batch statistics.</summary>
    [JsonPropertyName("momentum_torch")] public float Momentum { get; set; }
    [JsonPropertyName("gamma")] public float[] Gamma { get; set; } = [];
    [JsonPropertyName("beta")] public float[] Beta { get; set; } = [];
    [JsonPropertyName("steps")] public List<TorchStep> Steps { get; set; } = [];
    [JsonPropertyName("eval")] public TorchEval Eval { get; set; } = new();
}

internal sealed class TorchStep
{
    [JsonPropertyName("x")] public float[] X { get; set; } = [];
    [JsonPropertyName("dy")] public float[] Dy { get; set; } = [];
    [JsonPropertyName("y")] public float[] Y { get; set; } = [];
    [JsonPropertyName("batch_mean")] public float[] BatchMean { get; set; } = [];
    [JsonPropertyName("batch_var_biased")] public float[] BatchVariance { get; set; } = [];
    [JsonPropertyName("dx")] public float[] Dx { get; set; } = [];
    [JsonPropertyName("dgamma")] public float[] DGamma { get; set; } = [];
    [JsonPropertyName("dbeta")] public float[] DBeta { get; set; } = [];
    [JsonPropertyName("running_mean_after")] public float[] RunningMean { get; set; } = [];
    [JsonPropertyName("running_var_after")] public float[] RunningVariance { get; set; } = [];
}

internal sealed class TorchEval
{
    [JsonPropertyName("x")] public float[] X { get; set; } = [];
    [JsonPropertyName("y")] public float[] Y { get; set; } = [];
}
