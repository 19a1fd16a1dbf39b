using System.Globalization;
using ThighSeg.Cli.Commands;
using ThighSeg.Core.Quantification;
using ThighSeg.IO;

namespace ThighSeg.Cli.Tests;

[TestFixture]
public sealed class StatsCommandTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), $"thighseg-stats-{Guid.NewGuid():N}");

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, true);
        }
    }

    [Test]
    public void SynthDixon_ThenStats_RecoversTheTruthTable_ThroughNiftiFiles()
    {
        var formats = VolumeFormats.Default;
        string cohort = Path.Combine(_dir, "cohort");
        SynthCommand.Run(new SynthRequest(cohort, 2, 2, 0, 9, 64, Dixon: true), formats.WriterFor("x.nii.gz"), TextWriter.Null);
        var truth = File.ReadAllLines(Path.Combine(cohort, "dixon", "fat_fraction_truth.csv")).Skip(1).Select(l => l.Split(','))
            .Where(f => f[0] == "sub-001").ToDictionary(f => f[4], f => (Voxels: long.Parse(f[5], CultureInfo.InvariantCulture), Ml: double.Parse(f[6], CultureInfo.InvariantCulture), Ff: double.Parse(f[7], CultureInfo.InvariantCulture)));
        Assert.That(truth, Has.Count.GreaterThan(15));

        string outDir = Path.Combine(_dir, "stats");
        string sided = Path.Combine(_dir, "sided.nii.gz");
        string d = Path.Combine(cohort, "dixon");
        var output = new StringWriter();
        var req = new StatsRequest(Path.Combine(cohort, "labels", "sub-001.nii.gz"), null, Path.Combine(cohort, "images", "sub-001.nii.gz"),
            Path.Combine(d, "sub-001_water.nii.gz"), Path.Combine(d, "sub-001_fat.nii.gz"), null, null, null, false, 0, 0.5, SideLabelScheme.Offset, null, outDir, true, sided);
        var stats = StatsCommand.Run(req, formats, output);

        Assert.That(stats.CaseId, Is.EqualTo("sub-001"));
        foreach (var row in stats.Muscles.Where(r => r.Voxels > 0))
        {
            var t = truth[row.LabelName];
            Assert.That(row.Voxels, Is.EqualTo(t.Voxels), row.LabelName);
            if (t.Ml >= 1)
            {
                // Water and fat pass through NIfTI float32: the tolerance of the issue, 0.5 percentage points.
                Assert.That(row.FatFractionMean, Is.EqualTo(t.Ff).Within(0.005), row.LabelName);
            }
        }
        Assert.That(File.Exists(Path.Combine(outDir, StatisticsTables.MuscleFileName)), Is.True);
        Assert.That(File.Exists(Path.Combine(outDir, StatisticsTables.CsaFileName)), Is.True);
        Assert.That(File.Exists(Path.Combine(outDir, StatisticsTables.JsonFileName)), Is.True);
        Assert.That(new FileInfo(Path.Combine(outDir, "preview.png")).Length, Is.GreaterThan(1000));
        var back = formats.Read(sided);
        Assert.That(back.LabelNames, Is.Not.Null);
        Assert.That(back.LabelNames![101], Is.EqualTo("vastus_lateralis_right"));
        Assert.That(back.LabelNames[201], Is.EqualTo("vastus_lateralis_left"));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "sided.labels.json")), Does.Contain("\"201\": \"vastus_lateralis_left\""));
        Assert.That(output.ToString(), Does.Contain("vastus_lateralis_left"));

        // Already-sided labels give the same numbers.
        var again = StatsCommand.Run(req with { Labels = sided, Image = null, Water = null, Fat = null, Preview = false, SidedLabels = null, OutputDirectory = Path.Combine(_dir, "again") }, formats, TextWriter.Null);
        Assert.That(again.Muscles.Select(r => (r.Label, r.Voxels)), Is.EquivalentTo(stats.Muscles.Select(r => (r.Label, r.Voxels))));
    }

    [Test]
    public void Cli_RejectsInconsistentFatFractionInputs()
    {
        Directory.CreateDirectory(_dir);
        string f = Path.Combine(_dir, "l.nii.gz");
        File.WriteAllText(f, "x");
        var error = new StringWriter();
        Assert.That(CliApp.Run(["stats", "--labels", f, "--out", _dir, "--water", f], TextWriter.Null, error), Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error.ToString(), Does.Contain("--water and --fat go together"));
        error = new StringWriter();
        Assert.That(CliApp.Run(["stats", "--labels", f, "--out", _dir, "--water", f, "--fat", f, "--ff-map", f], TextWriter.Null, error), Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error.ToString(), Does.Contain("one fat-fraction input"));
        error = new StringWriter();
        Assert.That(CliApp.Run(["stats", "--labels", f, "--out", _dir, "--level", "2"], TextWriter.Null, error), Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error.ToString(), Does.Contain("--level must be in [0, 1]"));
    }
}
