using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.Tests;

/// <summary>A breast-cancer row (data/breast_cancer.csv): 30 measurements and malignant (false, 0) or benign (true, 1).</summary>
public sealed class BreastCancerRow
{
    [LoadColumn(0, 29), VectorType(30)]
    public float[] Features { get; set; } = [];

    [LoadColumn(30)]
    public bool Label { get; set; }

    /// <summary>The first measurement (mean radius) as a scalar, for the data-source checks' filter.</summary>
    [LoadColumn(0)]
    public float Radius { get; set; }
}

/// <summary>A diabetes row (data/diabetes.csv): 10 measurements in raw units and the disease progression (25 to 346).</summary>
public sealed class DiabetesRow
{
    [LoadColumn(0, 9), VectorType(10)]
    public float[] Features { get; set; } = [];

    [LoadColumn(10)]
    public float Label { get; set; }

    /// <summary>Age, as a scalar, for the data-source checks' filter.</summary>
    [LoadColumn(0)]
    public float Age { get; set; }
}

/// <summary>The tabular binary and regression datasets as ML.NET's text loader reads them (first line: counts and names).</summary>
public static class TabularDatasets
{
    public static IDataView BreastCancer(MLContext ml) =>
        ml.Data.LoadFromTextFile<BreastCancerRow>(TestDatasets.DataPath("breast_cancer.csv"), separatorChar: ',', hasHeader: true);

    public static IDataView Diabetes(MLContext ml) =>
        ml.Data.LoadFromTextFile<DiabetesRow>(TestDatasets.DataPath("diabetes.csv"), separatorChar: ',', hasHeader: true);
}
