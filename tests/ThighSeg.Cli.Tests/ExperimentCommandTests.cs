using System.Text.Json.Nodes;
using ThighSeg.Cli.Commands;
using ThighSeg.Cli.Tests.Support;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Preprocessing;
using ThighSeg.IO;
using static ThighSeg.Cli.Tests.Support.CliRunner;

namespace ThighSeg.Cli.Tests;

/// <summary>The label-efficiency experiment, predict and demo verbs, end to end on a tiny phantom cohort (CPU, seconds).</summary>
[TestFixture]
public sealed class ExperimentCommandTests
{
    private string _dir = "";
    private string _manifest = "";

    // A tiny budget: the tests prove behaviour (files, resume, errors, geometry), not accuracy.
    private static readonly string[] Tiny =
    [
        "--pretrain-epochs", "1", "--pretrain-steps", "2", "--pretrain-batch", "4", "--finetune-epochs", "1", "--finetune-steps", "2",
        "--finetune-batch", "4", "--filters", "4", "--size", "32", "--spacing", "6", "--embedding", "8", "--device", "cpu",
    ];

    [OneTimeSetUp]
    public void CreateCohort()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"thighseg-experiment-{Guid.NewGuid():N}");
        string cohort = Path.Combine(_dir, "cohort");
        var r = Run("synth", "--out", cohort, "--subjects", "6", "--labeled", "3", "--test", "1", "--size", "64", "--seed", "5");
        Assert.That(r.Code, Is.Zero, r.Err);
        _manifest = Path.Combine(cohort, "manifest.csv");
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private (int Code, string Out, string Err) Experiment(string outDir, params string[] extra) =>
        Run([.. new[] { "experiment", "--data", _manifest, "--out", outDir, "--methods", "rnd,pcl" }, .. Tiny, .. extra]);

    [Test]
    public void Experiment_WritesEveryReport_AndARerunReusesFinishedRuns()
    {
        string outDir = Path.Combine(_dir, "exp");
        var first = Experiment(outDir, "--sizes", "1,2", "--scale-steps-above", "1");
        Assert.That(first.Code, Is.Zero, first.Err + first.Out);
        Assert.That(first.Out, Does.Contain("pretraining grid (--pretrain-downsample): 16 px at 12 mm; fine-tuning and evaluation at 32 px at 6 mm"));
        foreach (var file in new[] { "metrics.csv", "summary.csv", "summary.md", "wilcoxon.csv", "provenance.json", "montage.png", "efficiency.png", "experiment.json", "splits-r0.json" })
        {
            Assert.That(File.Exists(Path.Combine(outDir, file)), Is.True, file);
        }
        var metrics = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.That(metrics[0], Does.StartWith("method,size,repeat,subject,label"));
        // 2 methods x 2 sizes x 1 test subject x 13 muscles
        Assert.That(metrics, Has.Length.EqualTo(1 + (2 * 2 * 13)));
        var provenance = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "provenance.json")))!;
        Assert.That(provenance["torchsharp"]!.GetValue<string>(), Is.EqualTo("0.107.0"));
        Assert.That(provenance["runs"]!.AsArray(), Has.Count.EqualTo(4));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "summary.md")), Does.Contain("| 1 |").And.Contain("vastus_lateralis"));
        int StepsPerEpoch(string run) => JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "runs", run, "done.json")))!["settings"]!["finetune"]!["Schedule"]!["StepsPerEpoch"]!.GetValue<int>();
        Assert.That(StepsPerEpoch("rnd-S01-r0"), Is.EqualTo(2), "--finetune-steps at one training subject");
        Assert.That(StepsPerEpoch("pcl-S02-r0"), Is.EqualTo(4), "--scale-steps-above 1: twice the steps at two");

        var again = Experiment(outDir, "--sizes", "1,2", "--scale-steps-above", "1");
        Assert.That(again.Code, Is.Zero, again.Err);
        Assert.That(again.Out, Does.Contain("4 of 4 runs reused"));
        var fixedBudget = Experiment(outDir, "--sizes", "1,2", "--scale-steps-above", "0");
        Assert.That(fixedBudget.Code, Is.EqualTo(1), fixedBudget.Out);
        Assert.That(fixedBudget.Err, Does.Contain("finished run 'finetune rnd S=2 repeat 0'").And.Contain("'finetune.Schedule.StepsPerEpoch' (4 there, 2 now)")
            .And.Contain("(set by --finetune-steps, or --scale-steps-above at this size)"));
    }

    [Test]
    [Category("Slow")]
    public void Experiment_PlanAuto_KeepsExplicitFlags_RecordsThePlan_AndNeverCropsSilently()
    {
        string outDir = Path.Combine(_dir, "exp-plan");
        var r = Experiment(outDir, "--sizes", "1", "--plan", "auto");
        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        var plan = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "plan.json")))!;
        Assert.That(plan["plan"]!["overridden"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { "spacing", "size", "filters" }));
        Assert.That(plan["TargetSize"]!.GetValue<int>(), Is.EqualTo(32));
        bool crops = plan["plan"]!["crops"]!.GetValue<bool>();
        Assert.That(r.Out.Contains("warning: the network frame", StringComparison.Ordinal), Is.EqualTo(crops), r.Out);
    }

    [Test]
    public void Experiment_WithAPretrainedEncoder_UsesItsNetworkAndPreprocessing_InsteadOfAPlan()
    {
        string encoder = Path.Combine(_dir, "given-encoder");
        var p = Run("pretrain", "--data", _manifest, "--out", encoder, "--epochs", "1", "--steps-per-epoch", "2", "--batch", "4",
            "--filters", "4", "--norm", "instance", "--size", "32", "--spacing", "6", "--embedding", "8", "--device", "cpu");
        Assert.That(p.Code, Is.Zero, p.Err + p.Out);
        string[] budget = ["--finetune-epochs", "1", "--finetune-steps", "2", "--finetune-batch", "4", "--device", "cpu", "--sizes", "1"];
        string outDir = Path.Combine(_dir, "exp-given");
        var r = Run([.. new[] { "experiment", "--data", _manifest, "--out", outDir, "--methods", "pcl", "--pretrained", $"pcl={encoder}" }, .. budget]);
        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        Assert.Multiple(() =>
        {
            Assert.That(r.Out, Does.Contain("network and preprocessing from --pretrained: 32 px at 6 mm, F=4, instance norm"));
            Assert.That(r.Out, Does.Not.Contain("plan: "));
            Assert.That(r.Out, Does.Not.Contain("pretraining grid"), "nothing is pretrained: the given encoder was pretrained on 16 px, and fine-tuning uses the 32 px it records");
            Assert.That(File.Exists(Path.Combine(outDir, "plan.json")), Is.False);
        });
        var conflict = Run([.. new[] { "experiment", "--data", _manifest, "--out", Path.Combine(_dir, "exp-given-64"), "--methods", "pcl", "--pretrained", $"pcl={encoder}", "--size", "64" }, .. budget]);
        Assert.That(conflict.Code, Is.EqualTo(2), conflict.Err + conflict.Out);
        Assert.That(conflict.Err, Does.Contain("--size 64 (the encoder has 32)"));
    }

    [Test]
    public void Experiment_RefusesAnOutputFolderOfOtherSettings_AndLeavesItUntouched()
    {
        string outDir = Path.Combine(_dir, "exp-settings");
        Assert.That(Experiment(outDir, "--sizes", "1").Code, Is.Zero);
        string settings = File.ReadAllText(Path.Combine(outDir, "experiment.json"));
        var other = Experiment(outDir, "--sizes", "1", "--seed", "9");
        Assert.That(other.Code, Is.EqualTo(1));
        Assert.That(other.Err, Does.Contain("setting 'seed'").And.Contain("(set by --seed)"));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "experiment.json")), Is.EqualTo(settings));
    }

    [Test]
    public void List_PrintsPretrainingsFirst_ThenFineTunesWithTheirDependency()
    {
        var r = Experiment(Path.Combine(_dir, "list"), "--sizes", "1,2", "--list");
        Assert.That(r.Code, Is.Zero, r.Err);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToArray();
        Assert.That(lines, Is.EqualTo(new[]
        {
            "0 pretrain pcl - - -",
            "1 finetune rnd 1 0 -",
            "2 finetune pcl 1 0 0",
            "3 finetune rnd 2 0 -",
            "4 finetune pcl 2 0 0",
        }));
        Assert.That(Directory.Exists(Path.Combine(_dir, "list")), Is.False, "--list writes nothing");
    }

    [Test]
    [Category("Slow")] // nine tiny trainings: tens of seconds on a loaded 2-core machine
    public void RunIndex_FineTuneBeforeItsPretraining_FailsNamingThePretraining_ThenRunsCollectAndExtend()
    {
        string outDir = Path.Combine(_dir, "array");
        var early = Experiment(outDir, "--sizes", "1", "--run-index", "2");
        Assert.That(early.Code, Is.EqualTo(1));
        Assert.That(early.Err, Does.Contain("run 0 (pretrain pcl)").And.Contain("Run 0 must finish first"));

        var partial = Experiment(outDir, "--sizes", "1", "--collect");
        Assert.That(partial.Code, Is.EqualTo(1), partial.Err);
        Assert.That(partial.Out, Does.Contain("missing: run 0 (pretrain pcl)").And.Contain("missing: run 2 (finetune pcl S=1 repeat 0)"));

        foreach (string index in new[] { "0", "1", "2" })
        {
            var r = Experiment(outDir, "--sizes", "1", "--run-index", index);
            Assert.That(r.Code, Is.Zero, r.Err + r.Out);
            Assert.That(r.Out, Does.Contain($"run {index} (").And.Contain(": done"));
        }
        var again = Experiment(outDir, "--sizes", "1", "--run-index", "1");
        Assert.That(again.Out, Does.Contain("already complete, skipped"));
        string runRecord = File.ReadAllText(Path.Combine(outDir, "runs", "rnd-S01-r0", "done.json"));

        var collected = Experiment(outDir, "--sizes", "1", "--collect");
        Assert.That(collected.Code, Is.Zero, collected.Err + collected.Out);
        var metrics = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.That(metrics, Has.Length.EqualTo(1 + (2 * 13)));
        Assert.That(File.Exists(Path.Combine(outDir, "summary.md")), Is.True);

        // Extending the study with a size and a repeat reuses every finished run (records untouched).
        var extended = Experiment(outDir, "--sizes", "1,2", "--repeats", "2");
        Assert.That(extended.Code, Is.Zero, extended.Err + extended.Out);
        Assert.That(extended.Out, Does.Contain("2 of 8 runs reused"));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "runs", "rnd-S01-r0", "done.json")), Is.EqualTo(runRecord));
    }

    [Test]
    [Category("Slow")] // one tiny training, then a refusal
    public void ChangedTrainingSetting_IsRefused_NamingTheSetting()
    {
        string outDir = Path.Combine(_dir, "refuse");
        string[] rndOnly = ["experiment", "--data", _manifest, "--out", outDir, "--methods", "rnd", "--sizes", "1", .. Tiny];
        var first = Run(rndOnly);
        Assert.That(first.Code, Is.Zero, first.Err);
        var r = Run([.. rndOnly, "--finetune-lr", "0.02"]);
        Assert.That(r.Code, Is.EqualTo(1));
        Assert.That(r.Err, Does.Contain("finetune.Schedule.LearningRate").And.Contain("rnd S=1 repeat 0"));
    }

    [Test]
    public void SbatchExperiment_WritesArraysWithDependencyThrottleThreadsLogsAndCollect()
    {
        string outDir = Path.Combine(_dir, "sbatch-study");
        var r = Run([.. new[] { "sbatch-experiment", "--data", _manifest, "--out", outDir, "--methods", "rnd,pcl", "--sizes", "1,2", "--throttle", "2", "--threads", "3", "--thighseg", "thighseg" }, .. Tiny]);
        Assert.That(r.Code, Is.Zero, r.Err);
        string dir = Path.Combine(outDir, "slurm");
        string pretrain = File.ReadAllText(Path.Combine(dir, "pretrain.sbatch"));
        string finetune = File.ReadAllText(Path.Combine(dir, "finetune.sbatch"));
        string collect = File.ReadAllText(Path.Combine(dir, "collect.sbatch"));
        string submit = File.ReadAllText(Path.Combine(dir, "submit.sh"));
        Assert.That(pretrain, Does.Contain("#SBATCH --array=0-0%2\n").And.Contain("#SBATCH --cpus-per-task=3\n").And.Contain("export OMP_NUM_THREADS=3")
            .And.Contain($"#SBATCH --output={Path.Combine(outDir, "logs")}/pretrain-%A_%a.out").And.Contain("'--run-index' \"$SLURM_ARRAY_TASK_ID\""));
        Assert.That(finetune, Does.Contain("#SBATCH --array=1-4%2\n").And.Contain("'--sizes' '1,2'").And.Contain($"'--data' '{_manifest}'"));
        Assert.That(collect, Does.Contain("'--collect'").And.Not.Contain("#SBATCH --array"));
        Assert.That(submit, Does.Contain("--dependency=afterok:$pretrain").And.Contain("--dependency=afterany:$finetune"));
        Assert.That(File.Exists(Path.Combine(outDir, "experiment.json")), Is.True, "the study folder is prepared before submission");
    }

    [Test]
    public void MissingCuda_IsMappedToTheDeviceFlag()
    {
        Assume.That(ThighSeg.Torch.TorchBackend.IsCudaAvailable, Is.False, "this machine has CUDA");
        var r = Run("pretrain", "--data", _manifest, "--out", Path.Combine(_dir, "cuda"), "--device", "cuda", "--epochs", "1");
        Assert.That(r.Code, Is.EqualTo(1), r.Err);
        Assert.That(r.Err, Does.Contain("no CUDA device").And.Contain("--device cpu"));
    }

    [Test]
    public void Experiment_SizeLargerThanTrainingSplit_IsAClearError()
    {
        var r = Experiment(Path.Combine(_dir, "too-big"), "--sizes", "5");
        Assert.That(r.Code, Is.EqualTo(1));
        Assert.That(r.Err, Does.Contain("S=5").And.Contain("training split"));
    }

    [Test]
    public void Experiment_WithoutTestOrUnlabelledSubjects_ExplainsWhatIsMissing()
    {
        string cohort = Path.Combine(_dir, "no-test");
        Assert.That(Run("synth", "--out", cohort, "--subjects", "3", "--labeled", "3", "--test", "0", "--size", "48").Code, Is.Zero);
        var noTest = Run([.. new[] { "experiment", "--data", Path.Combine(cohort, "manifest.csv"), "--out", Path.Combine(_dir, "x1"), "--sizes", "1" }, .. Tiny]);
        Assert.That(noTest.Code, Is.EqualTo(1));
        Assert.That(noTest.Err, Does.Contain("no test subjects"));

        string cohort2 = Path.Combine(_dir, "no-unlabeled");
        Assert.That(Run("synth", "--out", cohort2, "--subjects", "3", "--labeled", "2", "--test", "1", "--size", "48").Code, Is.Zero);
        var noUnlabeled = Run([.. new[] { "experiment", "--data", Path.Combine(cohort2, "manifest.csv"), "--out", Path.Combine(_dir, "x2"), "--sizes", "1", "--methods", "rnd,pcl" }, .. Tiny]);
        Assert.That(noUnlabeled.Code, Is.EqualTo(1));
        Assert.That(noUnlabeled.Err, Does.Contain("'pcl'").And.Contain("unlabelled"));
    }

    [Test]
    public void Experiment_WarnsAboutAnUnlabelledScanWhoseTablePositionsOverlapNoOthers()
    {
        string cohort = Path.Combine(_dir, "moved-origin");
        Assert.That(Run("synth", "--out", cohort, "--subjects", "6", "--labeled", "2", "--test", "1", "--size", "48").Code, Is.Zero);
        CohortEdits.MoveAlongTable(Path.Combine(cohort, "images", "sub-005.nii.gz"), 2000);
        string outDir = Path.Combine(_dir, "moved-origin-exp");
        var r = Run([.. new[] { "experiment", "--data", Path.Combine(cohort, "manifest.csv"), "--out", outDir, "--sizes", "1", "--methods", "pcl" }, .. Tiny]);
        // The console wraps long lines; the test reads them as one.
        static string Flat(string text) => string.Join(' ', text.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Multiple(() =>
        {
            Assert.That(r.Code, Is.Zero, r.Err + r.Out);
            Assert.That(Flat(r.Out), Does.Contain("warning: pcl pretraining: 1 scan(s) share no table position with any other scan").And.Contain("sub-005 (z ")
                .And.Contain("pass --positions index."));
            string flat = Flat(r.Out);
            int early = flat.IndexOf("warning: pcl pretraining", StringComparison.Ordinal);
            Assert.That(early, Is.LessThan(flat.IndexOf("finetune pcl S=1", StringComparison.Ordinal)), "said before the pretraining, not only in the report after it");
            Assert.That(flat.IndexOf("warning: pcl pretraining", early + 1, StringComparison.Ordinal), Is.GreaterThan(early), "and repeated with the report");
        });
        var collected = Run([.. new[] { "experiment", "--data", Path.Combine(cohort, "manifest.csv"), "--out", outDir, "--sizes", "1", "--methods", "pcl", "--collect" }, .. Tiny]);
        Assert.That(Flat(collected.Out), Does.Contain("sub-005 (z "), "the warning is kept with the pretraining run, so collecting the reports repeats it");
    }

    [TestCase("--sizes", "0")]
    [TestCase("--sizes", "1,x")]
    [TestCase("--methods", "rnd,byol")]
    [TestCase("--repeats", "0")]
    [TestCase("--pretrain-downsample", "0")]
    [TestCase("--pretrain-downsample", "9")]
    public void Experiment_BadArguments_ExitWithCode2(string option, string value)
    {
        var r = Run([.. new[] { "experiment", "--data", _manifest, "--out", Path.Combine(_dir, "bad"), option, value }, .. Tiny]);
        Assert.That(r.Code, Is.EqualTo(2), r.Err);
        Assert.That(r.Err, Does.Contain(option).And.Not.Contain("(Parameter"), "the message names the flag, never a library parameter");
        Assert.That(Directory.Exists(Path.Combine(_dir, "bad")), Is.False, "nothing is written for bad arguments");
    }

    [Test]
    public void Predict_WritesLabelMapsInTheInputGeometry_WithVolumes()
    {
        string model = Path.Combine(_dir, "seg");
        var f = Run("finetune", "--data", _manifest, "--labeled", "1", "--out", model, "--epochs", "1", "--steps-per-epoch", "2",
            "--batch", "4", "--filters", "4", "--size", "32", "--spacing", "6", "--device", "cpu");
        Assert.That(f.Code, Is.Zero, f.Err);
        string images = Path.Combine(Path.GetDirectoryName(_manifest)!, "images");
        string pred = Path.Combine(_dir, "pred");
        var p = Run("predict", "--model", model, "--input", images, "--out", pred, "--largest-component", "--device", "cpu");
        Assert.That(p.Code, Is.Zero, p.Err);
        foreach (var image in Directory.GetFiles(images, "*.nii.gz"))
        {
            var input = VolumeFormats.Default.Read(image).Image;
            var output = VolumeFormats.Default.Read(Path.Combine(pred, Path.GetFileName(image)));
            Assert.That(output.Image.Shape, Is.EqualTo(input.Shape));
            Assert.That(output.Image.Affine.ApproximatelyEquals(input.Affine, 1e-4), Is.True);
            Assert.That(output.LabelNames, Is.Not.Null.And.ContainKey(1));
        }
        var volumes = File.ReadAllLines(Path.Combine(pred, "volumes.csv"));
        Assert.That(volumes[0], Is.EqualTo("subject,label,label_name,volume_ml"));
        Assert.That(volumes, Has.Length.EqualTo(1 + (6 * 13)));
    }

    [Test]
    public void Predict_MissingModel_IsAUsageError() =>
        Assert.That(Run("predict", "--model", Path.Combine(_dir, "none"), "--input", _manifest, "--out", Path.Combine(_dir, "p")).Code, Is.EqualTo(2));

    [Test]
    public void Demo_RunsTheWholeMethod_AndPrintsPerMuscleDiceForBothInitialisations()
    {
        var network = new UNetOptions(baseFilters: 4);
        var settings = new DemoCommand.DemoSettings(
            Unlabeled: 2, Labeled: 2, Test: 1, Seed: 3, PhantomSize: 64,
            Preprocessing: new PreprocessingOptions { TargetSize = 32, TargetSpacingMm = 6 },
            Pretrain: new PretrainOptions { Network = network, EmbeddingDim = 8, Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 2, BatchSize = 4, LearningRate = 0.1, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 } },
            FineTune: new FineTuneOptions { Network = network, Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 2, BatchSize = 4, LearningRate = 1e-3, MinLearningRate = 1e-5, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 } },
            ValidationCount: 1,
            PretrainDownsampling: 1);
        using var output = new StringWriter();
        int code = DemoCommand.Run(output, Path.Combine(_dir, "demo"), Torch.ComputeDevice.Cpu, settings);
        string text = output.ToString();
        Assert.That(code, Is.Zero, text);
        Assert.That(text, Does.Contain("random init").And.Contain("PCL pretrained").And.Contain("vastus_lateralis").And.Contain("montage"));
        Assert.That(File.Exists(Path.Combine(_dir, "demo", "experiment", "dice-per-muscle.png")), Is.True);
    }
}
