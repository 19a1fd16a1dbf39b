using ThighSeg.Cli.Reports;
using ThighSeg.Core.Metrics;
using ThighSeg.Core.Phantoms;
using ThighSeg.Experiments;

namespace ThighSeg.Cli.Tests;

[TestFixture]
public sealed class ResultPlotsTests
{
    [Test]
    public void PerLabelBars_WithThirteenMuscles_IsWritten_WithUniqueAbbreviations()
    {
        var names = ThighPhantomGenerator.LabelMap.Values.Where(v => v != 0).Select(v => (v, ThighPhantomGenerator.LabelMap.Name(v))).ToList();
        var methods = new[] { InitMethod.Rnd, InitMethod.Pcl };
        var options = new ExperimentOptions([1], methods);
        var summary = (from m in methods
                       from l in names
                       select new ExperimentSummaryRow(m, 1, l.v, l.Item2, "dice", new MetricStatistic(3, 3, 0.5 + (0.03 * l.v) - (m == InitMethod.Rnd ? 0.2 : 0), 0.05))).ToList();
        string dir = Path.Combine(Path.GetTempPath(), "thighseg-plot-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string path = Path.Combine(Environment.GetEnvironmentVariable("THIGHSEG_PREVIEW_DIR") is { Length: > 0 } keep ? keep : dir, "dice-bars.png");
        try
        {
            ResultPlots.Write(path, options, summary);
            Assert.That(new FileInfo(path).Length, Is.GreaterThan(1000));
            var abbreviations = ResultPlots.Abbreviations([.. names.Select(n => n.Item2)]);
            Assert.That(abbreviations.Distinct().Count(), Is.EqualTo(names.Count));
            Assert.That(abbreviations[0], Is.EqualTo("VL"));
            Assert.That(abbreviations, Does.Contain("SAR").And.Contain("SEMIM").And.Contain("SEMIT"));
            Assert.That(ResultPlots.Abbreviations(["vastus_lateralis", "vastus_longus"]), Is.EqualTo(new[] { "vastus_lateralis", "vastus_longus" }));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
