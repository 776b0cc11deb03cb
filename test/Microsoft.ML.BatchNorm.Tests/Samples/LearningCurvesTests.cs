using System.Xml.Linq;
using Microsoft.ML.BatchNorm.Samples.FashionMnist;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.BatchNorm.Tests.Samples;

/// <summary>The FashionMnist sample's charts, drawn through its own code (ScottPlot and SkiaSharp's native library).</summary>
[TestClass]
public sealed class LearningCurvesTests
{
    private string _directory = "";

    [TestInitialize]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "learning-curves-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private static MultilayerPerceptronEpoch[] Epochs(int count, bool validation) =>
        Enumerable.Range(1, count).Select(e => new MultilayerPerceptronEpoch(e, 1.0 / e, 1 - 0.3 / e,
            validation ? 1.2 / e : null, validation ? 1 - 0.35 / e : null, TimeSpan.FromSeconds(1))).ToArray();

    [TestMethod]
    public void LearningCurvesAreAPngAndAnSvgOfTheStatedSize()
    {
        string png = Path.Combine(_directory, "curves.png"), svg = Path.Combine(_directory, "curves.svg");

        LearningCurves.Save(Epochs(5, validation: true), "test run", png, svg, width: 640, height: 360);

        ImageFileAssert.IsPng(png, 640, 360);
        XDocument document = ImageFileAssert.IsSvg(svg, 640, 360);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.IsTrue(document.Descendants(ns + "path").Count() >= 4, "the four lines and the axes are drawn as paths");
        if (EpochChart.MissingFontNote is null)
        {
            string text = string.Concat(document.Descendants(ns + "text").Select(t => t.Value));
            foreach (string label in new[] { "training loss", "validation loss", "validation accuracy", "epoch" })
                StringAssert.Contains(text, label);
        }
    }

    [TestMethod]
    public void CurvesWithoutValidationHaveOnlyTheTrainingLines()
    {
        var panels = LearningCurves.Panels(Epochs(3, validation: false), "t");
        Assert.AreEqual(2, panels.Count);
        CollectionAssert.AreEqual(new[] { "training loss" }, panels[0].Lines.Select(l => l.Label).ToArray());
        CollectionAssert.AreEqual(new[] { "training accuracy" }, panels[1].Lines.Select(l => l.Label).ToArray());
        CollectionAssert.AreEqual(new[] { 1.0, 0.5, 1.0 / 3 }, panels[0].Lines[0].Values);

        var withValidation = LearningCurves.Panels(Epochs(3, validation: true), "t");
        CollectionAssert.AreEqual(new[] { "training loss", "validation loss" }, withValidation[0].Lines.Select(l => l.Label).ToArray());
    }

    [TestMethod]
    public void CurvesGoBesideTheModelFile()
    {
        var (png, svg) = LearningCurves.PathsFor(Path.Combine(_directory, "models", "digits-mlp.zip"));
        Assert.AreEqual(Path.Combine(_directory, "models", "digits-mlp-curves.png"), png);
        Assert.AreEqual(Path.Combine(_directory, "models", "digits-mlp-curves.svg"), svg);
    }

    [TestMethod]
    public void ComparisonChartDrawsADivergedRunUpToItsLastEpoch()
    {
        var setting = new ComparisonCase("SGD 0.5", Claim.HigherLearningRate, MultilayerPerceptronOptimizer.SgdMomentum, 0.5f);
        ComparisonOutcome[] outcomes =
        [
            new(setting, true, [0.8, 0.85, 0.86], null, TimeSpan.FromSeconds(1)),
            new(setting, false, [0.5], "Training diverged at epoch 2, mini-batch 7: the loss is NaN.", TimeSpan.FromSeconds(1)),
        ];
        var panels = BatchNormComparison.Panels(outcomes, "digits");
        Assert.AreEqual(1, panels.Count);
        CollectionAssert.AreEqual(new[] { "with batch norm", "without batch norm (diverged in epoch 2)" },
            panels[0].Lines.Select(l => l.Label).ToArray());

        string png = Path.Combine(_directory, "compare.png"), svg = Path.Combine(_directory, "compare.svg");
        EpochChart.Save(panels, png, svg, 500, 300);
        ImageFileAssert.IsPng(png, 500, 300);
        ImageFileAssert.IsSvg(svg, 500, 300);
    }
}
