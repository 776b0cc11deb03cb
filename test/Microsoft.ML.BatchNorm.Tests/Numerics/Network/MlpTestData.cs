using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using System.Globalization;
using System.IO.Compression;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>Small real datasets and random data for the network tests.</summary>
internal static class MlpTestData
{
    /// <summary>A dense dataset: rows x featureCount features, row-major, and labels.</summary>
    internal sealed record Dataset(float[] Features, int[] Labels, int RowCount, int FeatureCount, int ClassCount)
    {
        /// <summary>Rows [start, start + count) of a permutation, copied.</summary>
        public Dataset Take(int[] order, int start, int count)
        {
            var features = new float[count * FeatureCount];
            var labels = new int[count];
            for (int r = 0; r < count; r++)
            {
                int row = order[start + r];
                Features.AsSpan(row * FeatureCount, FeatureCount).CopyTo(features.AsSpan(r * FeatureCount));
                labels[r] = Labels[row];
            }
            return new Dataset(features, labels, count, FeatureCount, ClassCount);
        }

        /// <summary>A seeded (train, test) split with testFraction of the rows held out.</summary>
        public (Dataset Train, Dataset Test) Split(double testFraction, int seed)
        {
            int[] order = Enumerable.Range(0, RowCount).ToArray();
            new Random(seed).Shuffle(order);
            int testRows = (int)Math.Round(RowCount * testFraction);
            return (Take(order, testRows, RowCount - testRows), Take(order, 0, testRows));
        }
    }

    /// <summary>UCI optical digits (scikit-learn's 1797 x 64, pixel counts 0..16), features scaled by 1/16.</summary>
    public static Dataset Digits()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "digits.csv.gz");
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var features = new List<float>();
        var labels = new List<int>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            string[] fields = line.Split(',');
            Assert.AreEqual(65, fields.Length, "digits.csv.gz: 64 features and a label per line");
            for (int j = 0; j < 64; j++) features.Add(float.Parse(fields[j], CultureInfo.InvariantCulture) / 16f);
            labels.Add(int.Parse(fields[64], CultureInfo.InvariantCulture));
        }
        Assert.AreEqual(1797, labels.Count);
        return new Dataset([.. features], [.. labels], labels.Count, 64, 10);
    }

    /// <summary>Gaussian features (N(0,1)) and uniform labels from a seed.</summary>
    public static Dataset Random(int rows, int featureCount, int classCount, int seed)
    {
        var random = new Random(seed);
        var features = new float[rows * featureCount];
        for (int i = 0; i < features.Length; i++) features[i] = (float)Gaussian(random);
        var labels = new int[rows];
        for (int i = 0; i < rows; i++) labels[i] = random.Next(classCount);
        return new Dataset(features, labels, rows, featureCount, classCount);
    }

    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Fraction of rows whose arg-max probability is the label.</summary>
    public static double Accuracy(MlpNetwork network, Dataset data)
    {
        MlpInference inference = network.CreateInference(data.RowCount);
        var probabilities = new float[data.RowCount * data.ClassCount];
        inference.PredictProbabilities(data.Features, data.RowCount, probabilities);
        int correct = 0;
        for (int i = 0; i < data.RowCount; i++)
        {
            ReadOnlySpan<float> p = probabilities.AsSpan(i * data.ClassCount, data.ClassCount);
            int argMax = 0;
            for (int c = 1; c < p.Length; c++) if (p[c] > p[argMax]) argMax = c;
            if (argMax == data.Labels[i]) correct++;
        }
        return (double)correct / data.RowCount;
    }

    /// <summary>Trains with the given settings (no validation, no callback).</summary>
    public static MlpTrainingResult Train(Dataset data, MlpTrainingSettings settings, MlpValidationData? validation = null) =>
        MlpTrainer.Train(data.Features, data.Labels, data.RowCount, data.FeatureCount, data.ClassCount, validation,
            settings, null, CancellationToken.None);
}
