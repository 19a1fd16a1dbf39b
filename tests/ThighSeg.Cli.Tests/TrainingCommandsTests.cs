using ThighSeg.Cli.Tests.Support;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Inference;
using static ThighSeg.Cli.Tests.Support.CliRunner;

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

    [Test]
    [Category("Slow")] // synth, pretrain, finetune and a resumed rerun: 2-45 s depending on the machine\'s load
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
        Assert.That(p.Out, Does.Contain("pretraining grid (--downsample 2): 16 px at 12 mm; the encoder is for fine-tuning at 32 px at 6 mm"), "a coarser pretraining grid by default");
        var encoder = ModelArtifact.ReadManifest(pcl);
        Assert.That(encoder.Kind, Is.EqualTo(ModelKind.Encoder));
        Assert.That(encoder.Preprocessing!["TargetSize"]!.GetValue<int>(), Is.EqualTo(32), "the encoder records the grid fine-tuning from it uses");
        Assert.That(encoder.Preprocessing!["pretraining_grid"]!["TargetSize"]!.GetValue<int>(), Is.EqualTo(16));
        Assert.That(encoder.Preprocessing!["pretraining_grid"]!["downsampling"]!.GetValue<int>(), Is.EqualTo(2));
        var pretrainingGrid = VolumeSegmenter.ReadPreprocessing(encoder.Preprocessing!["pretraining_grid"]!.AsObject(), pcl);
        var fineTuningGrid = VolumeSegmenter.ReadPreprocessing(encoder.Preprocessing, pcl);
        Assert.That(pretrainingGrid, Is.EqualTo(fineTuningGrid.Coarsened(2, 16)), "the whole pretraining grid is recorded through the one preprocessing serialiser");
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
        Assert.That(ModelArtifact.ReadManifest(pcl).Training.Options!.ToJsonString(), Does.Contain("\"Positions\":\"ScannerZ\""), "PCL positions from the scanner's z by default");
        Assert.That(m.Training.Options!.ToJsonString(), Does.Contain("\"EncoderLearningRateScale\":0.5"));
        Assert.That(m.Classes!.Count, Is.EqualTo(14));
        Assert.That(m.Preprocessing!["TargetSize"]!.GetValue<int>(), Is.EqualTo(32));
        Assert.That(File.Exists(Path.Combine(seg, "splits.json")), Is.True);
        Assert.That(f.Out, Does.Contain("validation Dice"));
        Assert.That(f.Out, Does.Contain("init pretrained, 2 x 2 steps"), "the budget that runs");
    }

    [Test]
    public void AFrameSmallerThanTheThigh_IsNeverCroppedSilently_InTrainingOrPrediction()
    {
        string cohort = Path.Combine(_dir, "cohort"), small = Path.Combine(_dir, "small"), large = Path.Combine(_dir, "large");
        Assert.That(Run("synth", "--out", cohort, "--subjects", "2", "--labeled", "1", "--test", "1", "--size", "48").Code, Is.Zero);
        string manifest = Path.Combine(cohort, "manifest.csv");
        string[] Finetune(string outDir, string size, string spacing) => ["finetune", "--data", manifest, "--labeled", "1", "--init", "none",
            "--out", outDir, "--epochs", "1", "--steps-per-epoch", "1", "--batch", "2", "--validation", "0", "--filters", "4",
            "--size", size, "--spacing", spacing, "--norm", "instance", "--device", "cpu"];
        // 16 px at 3 mm = 48 mm: smaller than any phantom thigh; 64 px at 8 mm = 512 mm holds both.
        var cropped = Run(Finetune(small, "16", "3"));
        var fits = Run(Finetune(large, "64", "8"));
        Assert.Multiple(() =>
        {
            Assert.That(cropped.Code, Is.Zero, cropped.Err + cropped.Out);
            Assert.That(cropped.Out, Does.Contain("warning: 1 subject(s) have a thigh larger than the network frame, whose edges are not trained on: sub-")
                .And.Contain("48.0 mm network frame").And.Contain("--plan auto"));
            Assert.That(fits.Code, Is.Zero, fits.Err + fits.Out);
            Assert.That(fits.Out, Does.Not.Contain("network frame"));
        });
        var p = Run("predict", "--model", small, "--input", Path.Combine(cohort, "images"), "--out", Path.Combine(_dir, "pred"), "--device", "cpu");
        Assert.That(p.Code, Is.Zero, p.Err + p.Out);
        Assert.That(p.Out, Does.Contain("warning: 2 case(s) have a thigh larger than the network frame, whose edges are not segmented: sub-")
            .And.Contain("The frame is the model's"));
    }

    [Test]
    public void Finetune_WarnsBeforeTraining_OfLabelsTheTrainingScansLack()
    {
        string cohort = Path.Combine(_dir, "cohort");
        Assert.That(Run("synth", "--out", cohort, "--subjects", "2", "--labeled", "1", "--test", "1", "--size", "48").Code, Is.Zero);
        // A label map that declares one muscle more than the phantoms have (as a study's map does when the one labelled
        // scan covers only part of the thigh).
        string labels = Path.Combine(cohort, "labels.json");
        var map = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(labels))!.AsObject();
        map["99"] = "gluteus_maximus";
        File.WriteAllText(labels, map.ToJsonString());
        var r = Run("finetune", "--data", Path.Combine(cohort, "manifest.csv"), "--labeled", "1", "--init", "none", "--out", Path.Combine(_dir, "seg"),
            "--epochs", "1", "--steps-per-epoch", "1", "--batch", "2", "--validation", "0", "--filters", "4", "--size", "32", "--spacing", "6", "--device", "cpu");
        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        // One line (never wrapped at 80 columns), naming the label, the scan and what it means, before the training.
        string[] lines = r.Out.Split('\n');
        int warning = Array.FindIndex(lines, l => l.StartsWith("warning: label", StringComparison.Ordinal));
        Assert.That(warning, Is.GreaterThanOrEqualTo(0), r.Out);
        Assert.That(lines[warning], Does.Contain("gluteus_maximus (99)").And.Contain("occur in no slice of the training scan (sub-")
            .And.Contain("will not predict them"));
        Assert.That(warning, Is.LessThan(Array.FindIndex(lines, l => l.StartsWith("[00:", StringComparison.Ordinal))), "said before the training starts");
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

    private string SmallCohort()
    {
        string cohort = Path.Combine(_dir, "cohort");
        Assert.That(Run("synth", "--out", cohort, "--subjects", "4", "--labeled", "2", "--test", "1", "--size", "32").Code, Is.Zero);
        return Path.Combine(cohort, "manifest.csv");
    }

    [TestCase("pretrain", "--method", "byol")]
    [TestCase("pretrain", "--norm", "group")]
    [TestCase("pretrain", "--flip", "1.5")]
    [TestCase("pretrain", "--epochs", "0")]
    [TestCase("pretrain", "--batch", "1")]
    [TestCase("pretrain", "--threshold", "0")]
    [TestCase("pretrain", "--lr", "-1")]
    [TestCase("finetune", "--size", "40")]
    [TestCase("finetune", "--spacing", "0")]
    [TestCase("finetune", "--class-sampling", "1.5")]
    [TestCase("finetune", "--scale-steps-above", "-1")]
    [TestCase("pretrain", "--sigma", "0")]
    [TestCase("pretrain", "--positives", "fuzzy")]
    [TestCase("pretrain", "--positions", "anatomy")]
    [TestCase("pretrain", "--downsample", "0")]
    [TestCase("pretrain", "--downsample", "9")]
    [TestCase("finetune", "--encoder-lr-scale", "2")]
    [TestCase("finetune", "--steps-per-epoch", "-3")]
    [TestCase("finetune", "--min-lr", "0.5")]
    [TestCase("finetune", "--labeled", "0")]
    [TestCase("finetune", "--validation", "-1")]
    [TestCase("pretrain", "--precision", "fp16")]
    [TestCase("finetune", "--precision", "bf8")]
    public void BadArgument_ExitsWithUsageError_NamingTheFlagAndValue(string verb, string flag, string value)
    {
        // A real cohort, so that nothing but the bad flag can fail.
        string manifest = SmallCohort();
        string output = Path.Combine(_dir, "out");
        var settings = new Dictionary<string, string>
        {
            ["--epochs"] = "1", ["--steps-per-epoch"] = "1", ["--batch"] = "2", ["--filters"] = "2", ["--size"] = "32", ["--spacing"] = "6", ["--device"] = "cpu",
        };
        if (verb == "finetune")
        {
            settings["--labeled"] = "1";
        }
        settings[flag] = value;
        var r = Run([verb, "-i", manifest, "-o", output, .. settings.SelectMany(kv => new[] { kv.Key, kv.Value })]);
        Assert.That(r.Code, Is.EqualTo(2), r.Err + r.Out);
        Assert.That(r.Err, Does.Contain(flag).And.Contain(value));
        Assert.That(r.Err, Does.Not.Contain("Parameter '").And.Not.Contain("Actual value").And.Not.Contain("System."));
        Assert.That(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), Is.False, "a refused command writes nothing");
    }

    [Test]
    public void Finetune_PlanAuto_ChoosesFromTheData_KeepsExplicitFlags_AndRecordsThePlan()
    {
        string manifest = SmallCohort();
        string output = Path.Combine(_dir, "planned");
        var r = Run("finetune", "-i", manifest, "-o", output, "--labeled", "1", "--plan", "auto", "--filters", "2",
            "--epochs", "1", "--steps-per-epoch", "1", "--batch", "2", "--validation", "0", "--device", "cpu");
        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        Assert.That(r.Out, Does.Contain("plan: "));
        var prep = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(output, "manifest.json")))!["preprocessing"]!;
        var plan = prep["plan"]!;
        Assert.Multiple(() =>
        {
            // --filters was given: kept; size and spacing come from the plan and are what the model was trained at.
            Assert.That(plan["overridden"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { "filters" }));
            Assert.That(plan["base_filters"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(prep["TargetSize"]!.GetValue<int>(), Is.EqualTo(plan["target_size"]!.GetValue<int>()));
            Assert.That(prep["TargetSpacingMm"]!.GetValue<double>(), Is.EqualTo(plan["target_spacing_mm"]!.GetValue<double>()));
            Assert.That(plan["fingerprint"]!["subjects"]!.GetValue<int>(), Is.EqualTo(3), "unlabelled and train subjects, never test");
            Assert.That(plan["crops"]!.GetValue<bool>(), Is.False);
            // Readers of the preprocessing section ignore the plan: the model predicts as any other.
            Assert.That(ThighSeg.Torch.Inference.VolumeSegmenter.ReadPreprocessing(prep.AsObject(), output).TargetSize, Is.EqualTo(plan["target_size"]!.GetValue<int>()));
        });
    }

    [Test]
    public void Finetune_FlagsThatDisagreeWithTheEncoder_AreErrorsNamingBothValues()
    {
        string manifest = SmallCohort(), pcl = Path.Combine(_dir, "pcl");
        var p = Run("pretrain", "-i", manifest, "-o", pcl, "--epochs", "1", "--steps-per-epoch", "1", "--batch", "4", "--filters", "2",
            "--size", "32", "--spacing", "6", "--embedding", "8", "--device", "cpu");
        Assert.That(p.Code, Is.Zero, p.Err + p.Out);
        var f = Run("finetune", "-i", manifest, "-o", Path.Combine(_dir, "seg"), "--labeled", "1", "--init", pcl, "--size", "96", "--filters", "16", "--device", "cpu");
        Assert.That(f.Code, Is.EqualTo(2), f.Err + f.Out);
        Assert.That(f.Err, Does.Contain("--size 96 (the encoder has 32)").And.Contain("--filters 16 (the encoder has 2)"));
        var same = Run("finetune", "-i", manifest, "-o", Path.Combine(_dir, "seg2"), "--labeled", "1", "--init", pcl, "--size", "32", "--filters", "2",
            "--epochs", "1", "--steps-per-epoch", "1", "--batch", "2", "--validation", "0", "--device", "cpu");
        Assert.That(same.Code, Is.Zero, "flags equal to the encoder's are fine: " + same.Err);
    }

    [Test]
    public void Finetune_DoesNotOfferPretrainingFlags()
    {
        var r = Run("finetune", "-i", "x.csv", "-o", _dir, "--labeled", "1", "--embedding", "64");
        Assert.That(r.Code, Is.EqualTo(2));
        Assert.That(r.Err, Does.Contain("--embedding"));
    }

    [TestCase("pretrain")]
    [TestCase("finetune")]
    [TestCase("experiment")]
    [TestCase("demo")]
    [TestCase("predict")]
    public void EveryTrainingAndPredictionVerb_OffersThePerformanceFlags(string verb)
    {
        var r = Run(verb, "--help");
        Assert.That(r.Out, Does.Contain("--precision").And.Contain("--channels-last").And.Contain("--cudnn-benchmark"), r.Out);
    }

    [Test]
    public void Bf16ChannelsLast_PretrainFinetunePredict_RecordTheSettings_AndPredictLabels()
    {
        string manifest = SmallCohort(), pcl = Path.Combine(_dir, "pcl"), seg = Path.Combine(_dir, "seg"), pred = Path.Combine(_dir, "pred");
        string[] fast = ["--epochs", "1", "--steps-per-epoch", "1", "--batch", "2", "--filters", "2", "--size", "32", "--spacing", "6", "--device", "cpu", "--precision", "bf16", "--channels-last"];
        var p = Run(["pretrain", "-i", manifest, "-o", pcl, "--embedding", "8", .. fast]);
        Assert.That(p.Code, Is.Zero, p.Err + p.Out);
        var f = Run("finetune", "-i", manifest, "-o", seg, "--labeled", "1", "--init", pcl, "--validation", "1", "--epochs", "1", "--steps-per-epoch", "1",
            "--batch", "2", "--device", "cpu", "--precision", "bf16", "--channels-last");
        Assert.That(f.Code, Is.Zero, f.Err + f.Out);
        foreach (string dir in new[] { pcl, seg })
        {
            var performance = ModelArtifact.ReadManifest(dir).Training.Options!["Performance"]!;
            Assert.That(performance["Precision"]!.GetValue<string>(), Is.EqualTo("Bf16"), dir);
            Assert.That(performance["ChannelsLast"]!.GetValue<bool>(), Is.True, dir);
        }
        // Channels-last is the default; "--channels-last false" keeps NCHW and is recorded as such.
        string nchw = Path.Combine(_dir, "nchw"), plain = Path.Combine(_dir, "plain");
        string[] tiny = ["finetune", "-i", manifest, "--labeled", "1", "--init", "none", "--validation", "0", "--epochs", "1", "--steps-per-epoch", "1",
            "--batch", "2", "--filters", "2", "--size", "32", "--spacing", "6", "--device", "cpu"];
        Assert.That(Run([.. tiny, "-o", nchw, "--channels-last", "false"]).Code, Is.Zero);
        Assert.That(Run([.. tiny, "-o", plain]).Code, Is.Zero);
        Assert.That(ModelArtifact.ReadManifest(nchw).Training.Options!["Performance"]!["ChannelsLast"]!.GetValue<bool>(), Is.False);
        Assert.That(ModelArtifact.ReadManifest(plain).Training.Options!["Performance"]!["ChannelsLast"]!.GetValue<bool>(), Is.True);

        string image = Directory.EnumerateFiles(Path.GetDirectoryName(manifest)!, "*.nii.gz", SearchOption.AllDirectories).First(n => !n.Contains("label", StringComparison.OrdinalIgnoreCase));
        var r = Run("predict", "--model", seg, "--input", image, "--out", pred, "--device", "cpu", "--precision", "bf16", "--channels-last");
        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        Assert.That(Directory.EnumerateFiles(pred, "*.nii.gz"), Is.Not.Empty);
    }

    [Test]
    public void Pretrain_WarnsAboutAScanWhoseTablePositionsOverlapNoOthers_WithScannerPositionsOnly()
    {
        string cohort = Path.Combine(_dir, "cohort");
        Assert.That(Run("synth", "--out", cohort, "--subjects", "6", "--labeled", "2", "--test", "1", "--size", "64").Code, Is.Zero);
        // sub-006's origin moved 2 m down the table, as a file whose origin was reset among files in scanner coordinates.
        CohortEdits.MoveAlongTable(Path.Combine(cohort, "images", "sub-006.nii.gz"), -2000);
        string[] Pretrain(string positions) => ["pretrain", "--data", Path.Combine(cohort, "manifest.csv"), "--out", Path.Combine(_dir, positions),
            "--epochs", "1", "--steps-per-epoch", "1", "--batch", "4", "--filters", "4", "--size", "32", "--spacing", "6", "--embedding", "8",
            "--positions", positions, "--device", "cpu"];

        var scanner = Run(Pretrain("scanner"));
        var index = Run(Pretrain("index"));

        Assert.Multiple(() =>
        {
            Assert.That(scanner.Code, Is.Zero, scanner.Err + scanner.Out);
            Assert.That(scanner.Out, Does.Contain("warning: 1 scan(s) share no table position with any other scan").And.Contain("sub-006 (z ")
                .And.Contain("pass --positions index."));
            Assert.That(scanner.Out, Does.Not.Contain("sub-004 (z").And.Not.Contain("PositionSource"), "the CLI names its flag, not the library's setting");
            Assert.That(index.Code, Is.Zero, index.Err + index.Out);
            Assert.That(index.Out, Does.Not.Contain("share no table position"), "slice-index positions do not compare table positions");
        });
    }
}
