using ThighSeg.Torch.Artifacts;

namespace ThighSeg.Cli.Tests;

[TestFixture]
public sealed class TrainingCommandsTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), $"thighseg-train-cli-{Guid.NewGuid():N}");

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Test]
    public void SynthPretrainFinetune_WritesModels_AndRerunResumes()
    {
        string cohort = Path.Combine(_dir, "cohort"), pcl = Path.Combine(_dir, "pcl"), seg = Path.Combine(_dir, "seg");
        Assert.That(Run("synth", "--out", cohort, "--subjects", "4", "--labeled", "2", "--test", "1", "--size", "64").Code, Is.Zero);
        string manifest = Path.Combine(cohort, "manifest.csv");
        string[] pretrain = ["pretrain", "--data", manifest, "--out", pcl, "--epochs", "1", "--steps-per-epoch", "2", "--batch", "4",
            "--filters", "4", "--norm", "instance", "--flip", "0", "--size", "32", "--spacing", "6", "--embedding", "8", "--device", "cpu"];
        var p = Run(pretrain);
        Assert.That(p.Code, Is.Zero, p.Err + p.Out);
        Assert.That(p.Out, Does.Contain("pretrained encoder"));
        Assert.That(ModelArtifact.ReadManifest(pcl).Kind, Is.EqualTo(ModelKind.Encoder));
        var again = Run(pretrain);
        Assert.That(again.Out, Does.Contain("resumed"));

        var f = Run("finetune", "--data", manifest, "--labeled", "1", "--init", pcl, "--out", seg, "--epochs", "2", "--steps-per-epoch", "2",
            "--batch", "4", "--validation", "1", "--encoder-lr-scale", "0.5", "--device", "cpu");
        Assert.That(f.Code, Is.Zero, f.Err + f.Out);
        var m = ModelArtifact.ReadManifest(seg);
        Assert.That(m.Kind, Is.EqualTo(ModelKind.Segmentation));
        Assert.That(m.Network.BaseFilters, Is.EqualTo(4), "network taken from the pretrained model");
        Assert.That(m.Network.Norm, Is.EqualTo(ThighSeg.Core.Abstractions.NormKind.Instance));
        Assert.That(ModelArtifact.ReadManifest(pcl).Training.Options!.ToJsonString(), Does.Contain("\"FlipProbability\":0"));
        Assert.That(m.Training.Options!.ToJsonString(), Does.Contain("\"EncoderLearningRateScale\":0.5"));
        Assert.That(m.Classes!.Count, Is.EqualTo(14));
        Assert.That(m.Preprocessing!["TargetSize"]!.GetValue<int>(), Is.EqualTo(32));
        Assert.That(File.Exists(Path.Combine(seg, "splits.json")), Is.True);
        Assert.That(f.Out, Does.Contain("validation Dice"));
    }

    [Test]
    public void Pretrain_WithoutUnlabelledSubjects_FailsWithMessage()
    {
        string cohort = Path.Combine(_dir, "cohort");
        Assert.That(Run("synth", "--out", cohort, "--subjects", "2", "--labeled", "1", "--test", "1", "--size", "32").Code, Is.Zero);
        var r = Run("pretrain", "--data", Path.Combine(cohort, "manifest.csv"), "--out", Path.Combine(_dir, "x"), "--device", "cpu");
        Assert.That(r.Code, Is.EqualTo(1));
        Assert.That(r.Err, Does.Contain("no 'unlabeled' subjects"));
    }

    [Test]
    public void Finetune_BadArguments_ExitWithUsageError()
    {
        Assert.That(Run("finetune", "--data", Path.Combine(_dir, "missing.csv"), "--labeled", "1", "--out", _dir).Code, Is.EqualTo(2));
        Assert.That(Run("pretrain", "--data", "x.csv", "--out", _dir, "--method", "byol").Code, Is.EqualTo(2));
        Assert.That(Run("finetune", "--data", "x.csv", "--labeled", "1", "--out", _dir, "--size", "40").Code, Is.EqualTo(2));
        Assert.That(Run("pretrain", "--data", "x.csv", "--out", _dir, "--norm", "group").Code, Is.EqualTo(2));
        Assert.That(Run("pretrain", "--data", "x.csv", "--out", _dir, "--flip", "1.5").Code, Is.EqualTo(2));
        Assert.That(Run("finetune", "--data", "x.csv", "--labeled", "1", "--out", _dir, "--encoder-lr-scale", "2").Code, Is.EqualTo(2));
    }
}
