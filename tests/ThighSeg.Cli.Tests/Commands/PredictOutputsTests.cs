using System.Text.Json;
using ThighSeg.Cli.Commands;
using ThighSeg.Cli.Tests.Support;
using ThighSeg.Core.Data;
using ThighSeg.Core.Quantification;
using ThighSeg.IO;
using ThighSeg.IO.Cohort;
using ThighSeg.IO.Dicom;
using ThighSeg.IO.Tests.Dicom;
using static ThighSeg.Cli.Tests.Support.CliRunner;

namespace ThighSeg.Cli.Tests.Commands;

/// <summary>
/// <c>thighseg predict</c>'s outputs beyond the label map: <c>--output-type dicom-seg|both</c> (a SEG per DICOM series
/// case, validated by dciodvfy and pydicom, equal to the NIfTI label map of the same run), <c>--statistics</c> (the same
/// tables <c>thighseg stats</c> writes), <c>--sides</c>, <c>--level</c> and <c>--preview</c>, and the settings text that
/// keeps a rerun with other settings from counting as done. A tiny model fine-tuned for one step: outputs are tested,
/// not accuracy.
/// </summary>
[TestFixture]
public sealed class PredictOutputsTests
{
    private const string StudyUid = "1.2.826.0.1.3680043.8.498.7001";
    private const string SeriesUid = "1.2.826.0.1.3680043.8.498.7002";
    private string _dir = null!;
    private string _model = null!;
    private string _series = null!;
    private string _nifti = null!;

    [OneTimeSetUp]
    public void Prepare()
    {
        _dir = Directory.CreateTempSubdirectory("thighseg-cli-predict-out-").FullName;
        var cohort = TinyCohort.Create(_dir, subjects: 2);
        _model = cohort.Model;
        _nifti = cohort.ImageFiles[0];
        _series = Path.Combine(_dir, "inputs", "series");
        PhantomDicom.WriteSeries(VolumeFormats.Default.Read(_nifti).Image, _series, SeriesUid, StudyUid);
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        if (_dir is not null && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private string NewOut() => Path.Combine(_dir, "out-" + Guid.NewGuid().ToString("N"));

    private string[] Predict(string input, string outDir, params string[] extra) =>
        ["predict", "--model", _model, "--input", input, "--out", outDir, "--device", "cpu", "--no-tta", .. extra];

    [Test]
    public void Predict_DicomSeriesBoth_WritesAValidSeg_EqualToTheNiftiLabelMap_AndRecordsIt()
    {
        string outDir = NewOut();
        var r = Run(Predict(_series, outDir, "--output-type", "both"));
        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        string seg = Path.Combine(outDir, "series.seg.dcm"), nifti = Path.Combine(outDir, "series.nii.gz");
        Assert.That(File.Exists(seg) && File.Exists(nifti), Is.True, r.Out);

        string dciodvfy = ExternalTool.Require("dciodvfy", "dicom3tools");
        var (_, report) = ExternalTool.Run(dciodvfy, seg);
        Assert.That(report.Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)), Is.Empty, report);
        JsonElement py = PythonReference.Run("dicom_seg.py", seg);
        Assert.That(py.GetProperty("modality").GetString(), Is.EqualTo("SEG"));
        Assert.That(py.GetProperty("referenced_series").GetString(), Is.EqualTo("1.2.826.0.1.3680043.8.498.7002"));

        var labels = VolumeFormats.Default.Read(nifti);
        var map = LabelMap.FromNames(labels.LabelNames!.Where(kv => kv.Key != 0));
        var back = DicomSegReader.Read(seg, labels.Image.Shape, labels.Image.Affine, map);
        var expected = labels.Image.Data.Select(v => (int)v).ToArray();
        Assert.That(expected.Count(v => v != 0), Is.Positive, "the tiny model labels something, so the comparison means something");
        Assert.That(back.Labels.Data, Is.EqualTo(expected));

        var record = new CohortOutput(outDir).ReadRecord("series")!;
        Assert.That(record.Outputs.Select(o => o.Path), Does.Contain("series.seg.dcm"));
        Assert.That(record.Settings, Does.EndWith(";output=both"));

        var again = Run(Predict(_series, outDir, "--output-type", "both"));
        Assert.That(again.Code, Is.Zero, again.Out);
        Assert.That(again.Out, Does.Contain("predicted 0, skipped 1"));
        File.Delete(seg);
        var redo = Run(Predict(_series, outDir, "--output-type", "both"));
        Assert.That(redo.Code, Is.Zero, redo.Out);
        Assert.That(redo.Out, Does.Contain("predicted 1, skipped 0"), "a missing SEG makes the case redone");
        Assert.That(File.Exists(seg), Is.True);
    }

    [Test]
    public void Predict_DicomSeriesWithSides_WritesASegWithSidedSegments_ThatValidates_AndEqualsTheNiftiLabelMap()
    {
        string outDir = NewOut();
        var r = Run(Predict(_series, outDir, "--output-type", "both", "--sides"));
        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        string seg = Path.Combine(outDir, "series.seg.dcm");
        var (_, report) = ExternalTool.Run(ExternalTool.Require("dciodvfy", "dicom3tools"), seg);
        Assert.That(report.Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)), Is.Empty, report);
        var labels = VolumeFormats.Default.Read(Path.Combine(outDir, "series.nii.gz"));
        var map = LabelMap.FromNames(labels.LabelNames!.Where(kv => kv.Key != 0));
        Assert.That(SideLabels.IsSided(map), Is.True);
        var back = DicomSegReader.Read(seg, labels.Image.Shape, labels.Image.Affine, map);
        Assert.That(back.Labels.Data, Is.EqualTo(labels.Image.Data.Select(v => (int)v)));
        Assert.That(back.Segments.Select(s => s.Label), Has.All.EndsWith("_right").Or.EndsWith("_left"));
        Assert.That(back.Segments.Where(s => s.TypeModifier is not null), Is.Not.Empty, "laterality is coded");
    }

    [Test]
    public void Predict_DicomSegOnly_WritesNoNifti()
    {
        string outDir = NewOut();
        var r = Run(Predict(_series, outDir, "--output-type", "dicom-seg"));
        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        Assert.That(File.Exists(Path.Combine(outDir, "series.seg.dcm")), Is.True);
        Assert.That(File.Exists(Path.Combine(outDir, "series.nii.gz")), Is.False);
    }

    [Test]
    public void Predict_DicomSeg_AllInputsNifti_IsRefusedUpFront()
    {
        string outDir = NewOut();
        var r = Run(Predict(_nifti, outDir, "--output-type", "dicom-seg"));
        Assert.That(r.Code, Is.EqualTo(CliApp.ExitUsage), r.Out);
        Assert.That(r.Err, Does.Contain("--output-type dicom-seg: none of the 1 input(s) is a DICOM series"));
        Assert.That(Directory.Exists(outDir), Is.False);
        r = Run(Predict(_nifti, outDir, "--output-type", "both"));
        Assert.That(r.Code, Is.EqualTo(CliApp.ExitUsage), r.Out);
        Assert.That(r.Err, Does.Contain("--output-type both: none of the 1 input(s) is a DICOM series"));
    }

    [Test]
    public void Predict_BothOnAMixedCohort_FailsTheNiftiCaseWithAMessage_AndDoesTheDicomCase()
    {
        string input = Path.Combine(_dir, "mixed-" + Guid.NewGuid().ToString("N"));
        PhantomDicom.WriteSeries(VolumeFormats.Default.Read(_nifti).Image, Path.Combine(input, "dicom"), SeriesUid, StudyUid);
        File.Copy(_nifti, Path.Combine(input, "plain.nii.gz"));
        string outDir = NewOut();
        var r = Run(Predict(input, outDir, "--output-type", "both"));
        Assert.That(r.Code, Is.EqualTo(PredictCommand.ExitCasesFailedBase + 1), r.Out);
        Assert.That(r.Out, Does.Contain("failed: plain:").And.Contain("is not a DICOM series").And.Contain("--output-type nifti"));
        Assert.That(File.ReadAllText(Path.Combine(outDir, CohortOutput.FailuresFile)), Does.Contain("can only be written for a DICOM series input"));
        Assert.That(File.Exists(Path.Combine(outDir, "dicom.seg.dcm")), Is.True);
        Assert.That(File.Exists(Path.Combine(outDir, "plain.nii.gz")), Is.False);
    }

    [Test]
    public void Predict_Statistics_WritesTheTablesStatsWrites_WithSidesLevelAndPreview()
    {
        string outDir = NewOut();
        var r = Run(Predict(_nifti, outDir, "--statistics", "--sides", "--level", "0.4", "--preview"));
        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        string id = CohortCases.Discover(_nifti, new VolumeReadOptions()).Single().Id;
        string labelPath = Path.Combine(outDir, id + ".nii.gz");

        // Side-specific values and names in the written label map.
        var written = VolumeFormats.Default.Read(labelPath);
        Assert.That(written.Image.Data.Where(v => v != 0).Distinct(), Has.All.GreaterThan(100f));
        Assert.That(written.LabelNames!.Where(kv => kv.Key != 0).Select(kv => kv.Value), Has.All.EndsWith("_right").Or.EndsWith("_left"));
        Assert.That(written.LabelNames!.Values, Does.Contain("vastus_lateralis_right").And.Contain("vastus_lateralis_left"));

        // The same tables as `thighseg stats` on that label map and image: one code path.
        string statsDir = Path.Combine(outDir + "-stats");
        var st = Run("stats", "--labels", labelPath, "--image", _nifti, "--case", id, "--level", "0.4", "--out", statsDir);
        Assert.That(st.Code, Is.Zero, st.Err + st.Out);
        foreach (string file in new[] { StatisticsTables.MuscleFileName, StatisticsTables.CsaFileName })
        {
            string cohortTable = File.ReadAllText(Path.Combine(outDir, file));
            Assert.That(cohortTable, Is.EqualTo(File.ReadAllText(Path.Combine(statsDir, file))), file);
            Assert.That(File.ReadAllText(Path.Combine(outDir, "cases", id, file)), Is.EqualTo(cohortTable));
        }
        Assert.That(File.ReadAllText(Path.Combine(outDir, StatisticsTables.MuscleFileName)), Does.Contain(",0.4,"), "the CSA level column holds --level");

        string png = Path.Combine(outDir, "cases", id, "preview.png");
        Assert.That(File.ReadAllBytes(png).Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        var record = new CohortOutput(outDir).ReadRecord(id)!;
        Assert.That(record.Outputs.Select(o => o.Path), Is.SupersetOf(new[] { $"cases/{id}/preview.png", $"cases/{id}/muscle_statistics.csv", $"cases/{id}/csa_per_slice.csv" }));
        Assert.That(record.Settings, Is.EqualTo("tta=false;largest=false;sides=offset;statistics=level:0.4,scheme:offset;preview=true"));

        // collect rebuilds the statistics tables too.
        string merged = File.ReadAllText(Path.Combine(outDir, StatisticsTables.CsaFileName));
        File.Delete(Path.Combine(outDir, StatisticsTables.CsaFileName));
        File.Delete(Path.Combine(outDir, StatisticsTables.MuscleFileName));
        var c = Run("collect", "--out", outDir);
        Assert.That(c.Code, Is.Zero, c.Err);
        Assert.That(File.ReadAllText(Path.Combine(outDir, StatisticsTables.CsaFileName)), Is.EqualTo(merged));
        Assert.That(File.Exists(Path.Combine(outDir, StatisticsTables.MuscleFileName)), Is.True);

        // Same settings: done. Another level: not counted as done (a conflict until --overwrite).
        Assert.That(Run(Predict(_nifti, outDir, "--statistics", "--sides", "--level", "0.4", "--preview")).Out, Does.Contain("predicted 0, skipped 1"));
        var other = Run(Predict(_nifti, outDir, "--statistics", "--sides", "--level", "0.6", "--preview"));
        Assert.That(other.Code, Is.EqualTo(PredictCommand.ExitCasesFailedBase + 1), other.Out);
        Assert.That(other.Out, Does.Contain("predicted with other settings"));
    }

    [Test]
    public void Predict_BadOutputTypeOrLevel_IsAUsageError()
    {
        var r = Run(Predict(_nifti, NewOut(), "--output-type", "png"));
        Assert.That(r.Code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(r.Err, Does.Contain("--output-type must be 'nifti', 'dicom-seg' or 'both', got 'png'"));
        r = Run(Predict(_nifti, NewOut(), "--statistics", "--level", "1.5"));
        Assert.That(r.Code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(r.Err, Does.Contain("--level must be in [0, 1], got 1.5"));
    }
}
