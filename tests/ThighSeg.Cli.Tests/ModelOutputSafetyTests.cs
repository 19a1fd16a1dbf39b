using ThighSeg.Cli.Commands;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Training;
using static ThighSeg.Cli.Tests.Support.CliRunner;

namespace ThighSeg.Cli.Tests;

/// <summary>
/// Issue 15's silent-destruction cases for the verbs that write models and predictions: each is refused with exit 2 and a
/// message naming the flag and the file (or made safe), and the files survive byte for byte.
/// </summary>
[TestFixture]
public sealed class ModelOutputSafetyTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "thighseg-modelsafety-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Cohort()
    {
        string cohort = Path.Combine(_dir, "cohort");
        var s = Run("synth", "--out", cohort, "--subjects", "4", "--labeled", "2", "--test", "1", "--size", "48");
        Assert.That(s.Code, Is.Zero, s.Err);
        return Path.Combine(cohort, "manifest.csv");
    }

    private static string[] Pretrain(string manifest, string outDir) =>
        ["pretrain", "--data", manifest, "--out", outDir, "--epochs", "1", "--steps-per-epoch", "2", "--batch", "4",
         "--filters", "4", "--norm", "instance", "--size", "32", "--spacing", "6", "--embedding", "8", "--device", "cpu"];

    private static string[] Finetune(string manifest, string outDir, string init) =>
        ["finetune", "--data", manifest, "--labeled", "1", "--init", init, "--out", outDir, "--epochs", "1", "--steps-per-epoch", "2",
         "--batch", "4", "--filters", "4", "--norm", "instance", "--size", "32", "--spacing", "6", "--device", "cpu"];

    private static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    [Test]
    public void Pretrain_IntoAFinishedEncoderWithoutCheckpoint_IsRefused_UnlessOverwrite()
    {
        string manifest = Cohort();
        string pcl = Path.Combine(_dir, "pcl");
        var first = Run(Pretrain(manifest, pcl));
        Assert.That(first.Code, Is.Zero, first.Err);
        File.Delete(Path.Combine(pcl, ContrastivePretrainer.CheckpointFile)); // a finished encoder another run left, no checkpoint
        var before = Snapshot(pcl);

        var again = Run([.. Pretrain(manifest, pcl), "--seed", "5"]);
        Assert.Multiple(() =>
        {
            Assert.That(again.Code, Is.EqualTo(2), again.Err);
            Assert.That(again.Err, Does.Contain("--out").And.Contain(Path.Combine(pcl, ModelArtifact.ManifestFile)).And.Contain("--overwrite"));
            Assert.That(Snapshot(pcl), Is.EqualTo(before), "the finished encoder survives");
        });

        var forced = Run([.. Pretrain(manifest, pcl), "--seed", "5", "--overwrite"]);
        Assert.That(forced.Code, Is.Zero, forced.Err);
        Assert.That(File.ReadAllBytes(Path.Combine(pcl, ContrastivePretrainer.WeightsFile)), Is.Not.EqualTo(before[ContrastivePretrainer.WeightsFile]));
    }

    [Test]
    public void Pretrain_Rerun_RemovesTheCheckpointTempOfAKilledWrite_ButNoUserFile()
    {
        string manifest = Cohort();
        string pcl = Path.Combine(_dir, "pcl");
        Assert.That(Run(Pretrain(manifest, pcl)).Code, Is.Zero);
        // What a kill -9 during a checkpoint write leaves: AtomicFile's hidden temp beside the checkpoint.
        string stale = Path.Combine(pcl, $".{ContrastivePretrainer.CheckpointFile}.{Guid.NewGuid():N}.tmp");
        string user = Path.Combine(pcl, $".{ContrastivePretrainer.CheckpointFile}.mine.tmp");
        File.WriteAllBytes(stale, new byte[100]);
        File.WriteAllText(user, "a user's file");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddMinutes(-5));
        File.SetLastWriteTimeUtc(user, DateTime.UtcNow.AddMinutes(-5));

        var rerun = Run(Pretrain(manifest, pcl)); // finished: resumes with no epoch left, so no checkpoint is written
        Assert.Multiple(() =>
        {
            Assert.That(rerun.Code, Is.Zero, rerun.Err);
            Assert.That(rerun.Out, Does.Contain("resumed"));
            Assert.That(File.Exists(stale), Is.False, "the killed write's temp is cleaned by the next run");
            Assert.That(File.Exists(user), Is.True, "a file outside the naming scheme is never touched");
        });
    }

    [Test]
    public void Finetune_OutEqualToInit_OrIntoAnotherRunsModel_IsRefused_AndAFailedRunLeavesNoSplits()
    {
        string manifest = Cohort();
        string pcl = Path.Combine(_dir, "pcl");
        Assert.That(Run(Pretrain(manifest, pcl)).Code, Is.Zero);
        var encoder = Snapshot(pcl);

        var same = Run(Finetune(manifest, pcl, pcl));
        Assert.Multiple(() =>
        {
            Assert.That(same.Code, Is.EqualTo(2), same.Err);
            Assert.That(same.Err, Does.Contain("--out").And.Contain("--init").And.Contain(pcl));
            Assert.That(Snapshot(pcl), Is.EqualTo(encoder), "the encoder's manifest and weights survive");
        });

        // A segmentation model another run left (its checkpoint gone): refused unless --overwrite.
        string seg = Path.Combine(_dir, "seg");
        Assert.That(Run(Finetune(manifest, seg, pcl)).Code, Is.Zero);
        File.Delete(Path.Combine(seg, UNetSegmenter.CheckpointFile));
        var model = Snapshot(seg);
        var other = Run([.. Finetune(manifest, seg, "none"), "--seed", "3"]);
        Assert.Multiple(() =>
        {
            Assert.That(other.Code, Is.EqualTo(2), other.Err);
            Assert.That(other.Err, Does.Contain("--out").And.Contain(Path.Combine(seg, ModelArtifact.ManifestFile)).And.Contain("--overwrite"));
            Assert.That(Snapshot(seg), Is.EqualTo(model));
        });

        // A run that fails in training (corrupt encoder weights) leaves no splits.json to constrain the next run.
        string bad = Path.Combine(_dir, "bad-pcl");
        Directory.CreateDirectory(bad);
        foreach (var (name, bytes) in encoder)
        {
            File.WriteAllBytes(Path.Combine(bad, name), bytes);
        }
        byte[] weights = File.ReadAllBytes(Path.Combine(bad, ContrastivePretrainer.WeightsFile));
        weights[weights.Length / 2] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(bad, ContrastivePretrainer.WeightsFile), weights);
        string seg2 = Path.Combine(_dir, "seg2");
        var failed = Run(Finetune(manifest, seg2, bad));
        Assert.Multiple(() =>
        {
            Assert.That(failed.Code, Is.EqualTo(1), failed.Err);
            Assert.That(failed.Err, Does.Contain("corrupt"));
            Assert.That(File.Exists(Path.Combine(seg2, CaseSplits.FileName)), Is.False, "no splits.json from a failed run");
        });
        var next = Run([.. Finetune(manifest, seg2, "none"), "--seed", "4"]);
        Assert.That(next.Code, Is.Zero, next.Err);
    }

    [Test]
    public void Predict_InputFileAsOut_IsRefused_AndTheInputSurvives()
    {
        string manifest = Cohort();
        string seg = Path.Combine(_dir, "seg");
        Assert.That(Run(Finetune(manifest, seg, "none")).Code, Is.Zero);
        string image = Directory.GetFiles(Path.Combine(_dir, "cohort", "images"), "*.nii.gz").Order(StringComparer.Ordinal).First();
        byte[] before = File.ReadAllBytes(image);
        var r = Run("predict", "--model", seg, "--input", image, "--out", image, "--device", "cpu");
        Assert.Multiple(() =>
        {
            Assert.That(r.Code, Is.EqualTo(2), r.Err);
            Assert.That(r.Err, Does.Contain("--out").And.Contain("--input").And.Contain(image));
            Assert.That(File.ReadAllBytes(image), Is.EqualTo(before));
        });
        var intoModel = Run("predict", "--model", seg, "--input", image, "--out", seg, "--device", "cpu");
        Assert.That(intoModel.Code, Is.EqualTo(2), intoModel.Err);
        Assert.That(intoModel.Err, Does.Contain("--model"));
    }

    [Test]
    public void Predict_OutAtTheReferenceLabelFolder_ReplacesNoReference()
    {
        string manifest = Cohort();
        string seg = Path.Combine(_dir, "seg");
        Assert.That(Run(Finetune(manifest, seg, "none")).Code, Is.Zero);
        string images = Path.Combine(_dir, "cohort", "images");
        string labels = Path.Combine(_dir, "cohort", "labels");
        var references = Snapshot(labels);
        Assert.That(references, Is.Not.Empty);
        var r = Run("predict", "--model", seg, "--input", images, "--out", labels, "--device", "cpu");
        Assert.Multiple(() =>
        {
            Assert.That(r.Code, Is.EqualTo(PredictCommand.ExitCasesFailedBase + references.Count), r.Out + r.Err);
            Assert.That(r.Out, Does.Contain("not replaced").And.Contain("--overwrite"));
            foreach (var (name, bytes) in references)
            {
                Assert.That(File.ReadAllBytes(Path.Combine(labels, name)), Is.EqualTo(bytes), name);
            }
        });
    }
}
