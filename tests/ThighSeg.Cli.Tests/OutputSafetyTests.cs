using ThighSeg.Cli.Commands;
using ThighSeg.Core;
using ThighSeg.Core.Volumes;
using ThighSeg.IO;
using ThighSeg.IO.Nifti;

namespace ThighSeg.Cli.Tests;

/// <summary>No verb destroys what it did not write; readers' failures are exit 1 with the library's message.</summary>
[TestFixture]
public sealed class OutputSafetyTests : EvaluationFolders
{
    private void WritePair()
    {
        var v = new Volume<int>(new VolumeShape(6, 6, 4), Affine.FromSpacing(1, 1, 2));
        for (int i = 0; i < 36; i++)
        {
            v.Data[i] = 1 + (i % 2);
        }
        new NiftiWriter().WriteLabels(Path.Combine(RefDir, "sub-01.nii"), v);
        new NiftiWriter().WriteLabels(Path.Combine(PredDir, "sub-01.nii"), v);
    }

    [Test]
    public void Evaluate_OutAtAReferenceFile_IsRefused_AndTheReferenceSurvives()
    {
        WritePair();
        string reference = Path.Combine(RefDir, "sub-01.nii");
        byte[] before = File.ReadAllBytes(reference);
        var (code, _, err) = Run("evaluate", "--pred", PredDir, "--ref", RefDir, "--out", reference);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2), err);
            Assert.That(err, Does.Contain("--out").And.Contain(reference).And.Contain("--ref").And.Contain("refusing to replace an input"));
            Assert.That(File.ReadAllBytes(reference), Is.EqualTo(before));
        });
    }

    [Test]
    public void Evaluate_OutAtItsOwnLabelsJson_IsRefused_AndTheFileSurvives()
    {
        WritePair();
        string labels = Path.Combine(Dir, "labels.json");
        const string json = "{\"0\": \"background\", \"1\": \"a\", \"2\": \"b\"}";
        File.WriteAllText(labels, json);
        var (code, _, err) = Run("evaluate", "--pred", PredDir, "--ref", RefDir, "--labels", labels, "--out", labels);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2), err);
            Assert.That(err, Does.Contain("--out").And.Contain(labels).And.Contain("--labels"));
            Assert.That(File.ReadAllText(labels), Is.EqualTo(json));
        });
        // --summary at it too.
        (code, _, err) = Run("evaluate", "--pred", PredDir, "--ref", RefDir, "--labels", labels, "--out", Path.Combine(Dir, "m.csv"), "--summary", labels);
        Assert.That(code, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("--summary"));
        Assert.That(File.ReadAllText(labels), Is.EqualTo(json));
    }

    [Test]
    public void Evaluate_LabelsJsonWithALoneSurrogate_IsExit1NamingTheFile()
    {
        WritePair();
        string labels = Path.Combine(Dir, "labels.json");
        File.WriteAllText(labels, "{\"0\": \"background\", \"1\": \"\\ud800\"}");
        var (code, _, err) = Run("evaluate", "--pred", PredDir, "--ref", RefDir, "--labels", labels, "--out", Path.Combine(Dir, "m.csv"));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1), err);
            Assert.That(err, Does.Contain(labels).And.Contain("surrogate"));
        });
    }

    [Test]
    public void Evaluate_LabelsJson_IsReadByLabelMap_TheOneReader()
    {
        WritePair();
        string labels = Path.Combine(Dir, "labels.json");
        File.WriteAllText(labels, "{\"1\": \"a\", \"1\": \"b\"}");
        var (code, _, err) = Run("evaluate", "--pred", PredDir, "--ref", RefDir, "--labels", labels, "--out", Path.Combine(Dir, "m.csv"));
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain("appears twice"));
    }

    [Test]
    public void Synth_IntoANonEmptyFolder_IsRefused_AndNothingIsReplaced()
    {
        string cohort = Path.Combine(Dir, "cohort");
        Assert.That(Run("synth", "--out", cohort, "--subjects", "2", "--labeled", "1", "--test", "0", "--size", "32").Code, Is.Zero);
        string label = Path.Combine(cohort, "labels", "sub-001.nii.gz");
        byte[] before = File.ReadAllBytes(label);
        string manifest = File.ReadAllText(Path.Combine(cohort, "manifest.csv"));
        var (code, _, err) = Run("synth", "--out", cohort, "--subjects", "3", "--labeled", "0", "--test", "0", "--size", "32", "--seed", "9");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2), err);
            Assert.That(err, Does.Contain("--out").And.Contain(cohort).And.Contain("not empty"));
            Assert.That(File.ReadAllBytes(label), Is.EqualTo(before));
            Assert.That(File.ReadAllText(Path.Combine(cohort, "manifest.csv")), Is.EqualTo(manifest));
            Assert.That(File.Exists(Path.Combine(cohort, "images", "sub-003.nii.gz")), Is.False);
        });
    }

    /// <summary>Writes every volume to /dev/full, the kernel's always-full device: the real ENOSPC a full disk gives.</summary>
    private sealed class FullDiskWriter : IVolumeWriter
    {
        public string FormatName => "full-disk";

        public bool CanWrite(string path) => true;

        public void WriteImage(string path, Volume<float> image) => Fill();

        public void WriteLabels(string path, Volume<int> labels, IReadOnlyDictionary<int, string>? labelNames = null) => Fill();

        private static void Fill()
        {
            using var fs = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            fs.Write(new byte[1 << 16]);
            fs.Flush();
        }
    }

    [Test]
    public void Synth_OnAFullDisk_IsAThighSegExceptionNotAnAggregateException()
    {
        if (!File.Exists("/dev/full"))
        {
            Assert.Ignore("/dev/full is not available");
        }
        var ex = Assert.Throws<ThighSegException>(() =>
            SynthCommand.Run(new SynthRequest(Path.Combine(Dir, "full"), 3, 1, 0, 1, 32), new FullDiskWriter(), TextWriter.Null))!;
        Assert.That(ex.Message, Does.Contain("writing the cohort").And.Contain(Path.Combine(Dir, "full")));
        Assert.That(ex.InnerException, Is.InstanceOf<IOException>());
    }
}
