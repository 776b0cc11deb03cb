using System.Text.Json;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Numerics;

/// <summary>
/// Algorithm 2's population statistics (<see cref="MlpPopulationStatistics"/>) against PyTorch's
/// <c>torch.optim.swa_utils.update_bn</c> on the same mini-batches: TestData/update-bn-torch.json, written by
/// TestData/update_bn_reference.py (its docstring says how to run it).
/// </summary>
[TestClass]
public sealed class UpdateBnReferenceTests
{
    private static readonly Lazy<JsonElement> s_reference = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "update-bn-torch.json");
        using FileStream stream = File.OpenRead(path);
        return JsonDocument.Parse(stream).RootElement.Clone();
    });

    private static float[] Floats(JsonElement element, string name) =>
        [.. element.GetProperty(name).EnumerateArray().Select(v => v.GetSingle())];

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 2e-5 * (1 + Math.Abs(expected[i])), $"{what}[{i}]");
    }

    public static IEnumerable<object[]> KnownAnswerCases =>
        s_reference.Value.GetProperty("known_answer").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    /// <summary>
    /// The known-answer rows (every training step's mini-batch of batchnorm-torch.json, in order) through an identity
    /// dense layer and batch normalization: the population statistics are those of the raw mini-batches, as update_bn's.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(KnownAnswerCases))]
    public void PopulationStatisticsOfTheKnownAnswerBatchesMatchUpdateBn(string name)
    {
        JsonElement c = s_reference.Value.GetProperty("known_answer").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        int n = c.GetProperty("n").GetInt32(), d = c.GetProperty("d").GetInt32();
        float[] x = Floats(c, "x");
        var identity = new float[d * d];
        for (int i = 0; i < d; i++) identity[i * d + i] = 1f;
        var hidden = new MlpLayer(d, d, identity, null, Enumerable.Repeat(1f, d).ToArray(), new float[d],
            Enumerable.Repeat(3f, d).ToArray(), Enumerable.Repeat(7f, d).ToArray(), c.GetProperty("eps").GetSingle(), hasRelu: true);
        var output = new MlpLayer(d, 2, new float[2 * d], new float[2], null, null, null, null, 0f, hasRelu: false);
        var network = new MlpNetwork([hidden, output]);

        MlpPopulationStatistics.Compute(new MlpTrainingPass(network, n), x, x.Length / d, n, CancellationToken.None);

        AssertClose(Floats(c, "running_mean"), hidden.RunningMean!, $"{name} mean");
        AssertClose(Floats(c, "running_var"), hidden.RunningVariance!, $"{name} variance");
    }

    /// <summary>
    /// A two-hidden-layer network with PyTorch's weights: the second layer's statistics depend on the first layer
    /// normalized with its batch statistics (training mode), as in update_bn; 37 rows in mini-batches of 8 (the last has 5).
    /// </summary>
    [TestMethod]
    public void PopulationStatisticsOfANetworkMatchUpdateBn()
    {
        JsonElement c = s_reference.Value.GetProperty("network");
        int d = c.GetProperty("d").GetInt32(), rows = c.GetProperty("rows").GetInt32(), batch = c.GetProperty("batch_size").GetInt32();
        float epsilon = c.GetProperty("eps").GetSingle();
        JsonElement[] json = [.. c.GetProperty("layers").EnumerateArray()];
        var layers = new List<MlpLayer>();
        int inSize = d;
        for (int l = 0; l < json.Length; l++)
        {
            float[] weights = Floats(json[l], "weights");
            int outSize = weights.Length / inSize;
            layers.Add(l < json.Length - 1
                ? new MlpLayer(inSize, outSize, weights, null, Floats(json[l], "gamma"), Floats(json[l], "beta"),
                    new float[outSize], Enumerable.Repeat(1f, outSize).ToArray(), epsilon, hasRelu: true)
                : new MlpLayer(inSize, outSize, weights, Floats(json[l], "bias"), null, null, null, null, 0f, hasRelu: false));
            inSize = outSize;
        }
        var network = new MlpNetwork(layers);

        MlpPopulationStatistics.Compute(new MlpTrainingPass(network, batch), Floats(c, "x"), rows, batch, CancellationToken.None);

        for (int l = 0; l < json.Length - 1; l++)
        {
            AssertClose(Floats(json[l], "running_mean"), layers[l].RunningMean!, $"layer {l} mean");
            AssertClose(Floats(json[l], "running_var"), layers[l].RunningVariance!, $"layer {l} variance");
        }
    }
}
