using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Preprocessing;
using ThighSeg.IO;

namespace ThighSeg.Experiments.Tests;

/// <summary>
/// A whole small study run through the <see cref="IEncoderPretrainer"/>/<see cref="ISegmenter"/> seams with fakes
/// written here (no training): the plan, the completion records, the metrics and the reports.
/// </summary>
[TestFixture]
public sealed class FakeSeamStudyTests
{
    private string _root = "";
    private Dataset _dataset = null!;

    [OneTimeSetUp]
    public void WriteCohort()
    {
        _root = Path.Combine(Path.GetTempPath(), "thighseg-experiments-tests", Guid.NewGuid().ToString("N"));
        var generator = new ThighPhantomGenerator(new PhantomOptions { MatrixSize = 48, MinSlices = 4, MaxSlices = 5 });
        var entries = new List<ManifestEntry>();
        DatasetSplit[] splits = [DatasetSplit.Unlabeled, DatasetSplit.Train, DatasetSplit.Train, DatasetSplit.Test];
        for (int i = 0; i < splits.Length; i++)
        {
            var s = generator.GenerateCohortMember(cohortSeed: 3, index: i);
            string image = Path.Combine(_root, "images", s.SubjectId + ".nii.gz");
            string label = Path.Combine(_root, "labels", s.SubjectId + ".nii.gz");
            Directory.CreateDirectory(Path.GetDirectoryName(image)!);
            Directory.CreateDirectory(Path.GetDirectoryName(label)!);
            VolumeFormats.Default.WriteImage(image, s.Image);
            VolumeFormats.Default.WriteLabels(label, s.Labels, ThighPhantomGenerator.LabelMap.Names);
            entries.Add(new ManifestEntry(s.SubjectId, image, splits[i] == DatasetSplit.Unlabeled ? null : label, splits[i]));
        }
        string manifest = Path.Combine(_root, "manifest.csv");
        DatasetManifest.Write(manifest, entries);
        _dataset = Dataset.Open(manifest, new VolumeFormatsSource());
    }

    [OneTimeTearDown]
    public void Delete()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static ExperimentOptions Options(params int[] sizes) => new()
    {
        Sizes = sizes,
        Methods = [InitMethod.Rnd, InitMethod.Pcl],
        ValidationCount = 0,
        Preprocessing = new PreprocessingOptions { TargetSize = 32, TargetSpacingMm = 6 },
        Device = Torch.ComputeDevice.Cpu,
    };

    [Test]
    public void Study_RunsThroughTheSeams_WritingRecordsMetricsAndReports()
    {
        var pretrainer = new FakePretrainer();
        var segmenter = new FakeSegmenter();
        var experiment = new LabelEfficiencyExperiment(Options(1, 2), _ => pretrainer, _ => segmenter);
        Assert.That(experiment.Plan().Select(r => r.ToString()), Is.EqualTo(new[]
        {
            "pretrain pcl", "finetune rnd S=1 repeat 0", "finetune pcl S=1 repeat 0", "finetune rnd S=2 repeat 0", "finetune pcl S=2 repeat 0",
        }));

        string output = Path.Combine(_root, "study");
        var result = experiment.Run(_dataset, output);

        Assert.That(pretrainer.Calls, Is.EqualTo(1));
        Assert.That(segmenter.Encoders, Is.EqualTo(new string?[] { null, Path.Combine(output, "pretrain", "pcl"), null, Path.Combine(output, "pretrain", "pcl") }));
        Assert.That(segmenter.TrainingSubjects, Is.EqualTo(new[] { 1, 1, 2, 2 }));
        foreach (var run in experiment.Plan())
        {
            var record = JsonNode.Parse(File.ReadAllText(Path.Combine(output, run.Folder, LabelEfficiencyExperiment.DoneFile)))!;
            Assert.That(record["fingerprint"]!.GetValue<string>(), Has.Length.EqualTo(24), run.ToString());
        }
        // The fake predicts label 1 everywhere: the same rows for every run, label 1's Dice in (0, 1), others 0.
        Assert.That(result.Runs, Has.Count.EqualTo(4));
        Assert.That(result.Missing, Is.Empty);
        int perRun = result.Runs[0].Rows.Count;
        Assert.That(perRun, Is.GreaterThan(1));
        foreach (var run in result.Runs)
        {
            Assert.That(run.Rows, Has.Count.EqualTo(perRun));
            Assert.That(run.Rows.Single(r => r.Label == 1).Dice, Is.GreaterThan(0).And.LessThan(1));
            Assert.That(run.Rows.Where(r => r.Label != 1).Select(r => r.Dice), Has.All.EqualTo(0));
        }
        var metrics = File.ReadAllLines(result.Files["metrics"]);
        Assert.That(metrics, Has.Length.EqualTo(1 + (4 * perRun)));
        Assert.That(result.Comparisons.Select(c => (c.Method, c.Size)), Is.EqualTo(new[] { (InitMethod.Pcl, 1), (InitMethod.Pcl, 2) }));
        Assert.That(result.Comparisons.Select(c => c.PValue), Has.All.EqualTo(1.0), "identical predictions: no difference");
        Assert.That(File.ReadAllText(result.Files["summary_md"]), Does.Contain("| 1 |").And.Contain("| 2 |"));

        // A second run reuses everything: no training call.
        var again = new LabelEfficiencyExperiment(Options(1, 2), _ => pretrainer, _ => segmenter).Run(_dataset, output);
        Assert.That(pretrainer.Calls, Is.EqualTo(1));
        Assert.That(segmenter.Encoders, Has.Count.EqualTo(4));
        Assert.That(again.Runs.Select(r => r.Reused), Has.All.True);

        // Nothing on this path needed TorchSharp: the seams are real.
        Assert.That(AppDomain.CurrentDomain.GetAssemblies().Select(x => x.GetName().Name), Has.None.EqualTo("TorchSharp"),
            "every test of this project uses fakes, so TorchSharp is loaded only if the runner reaches it on its own");
        Assert.That(JsonNode.Parse(File.ReadAllText(result.Files["provenance"]))!["trainers"], Is.Not.Null);
    }

    [Test]
    public void Study_WarnsOfThighsLargerThanTheFrame()
    {
        // 16 px at 2 mm = 32 mm: every phantom thigh is larger; the warning names subjects and what to change.
        var options = Options(1) with { Methods = [InitMethod.Rnd], Preprocessing = new PreprocessingOptions { TargetSize = 16, TargetSpacingMm = 2 } };
        var result = new LabelEfficiencyExperiment(options, _ => new FakePretrainer(), _ => new FakeSegmenter()).Run(_dataset, Path.Combine(_root, "cropped"));
        Assert.That(result.Warnings, Has.One.Contains("1 training subject(s) have a thigh larger than the network frame").And.Contains("32.0 mm network frame")
            .And.Contains("PreprocessingOptions.TargetSize"));
    }

    [Test]
    public void LabelsTheTrainingScansLack_AreWarnedOncePerLabelledSet_AsTheyHappenAndInTheReport()
    {
        var options = Options(1) with { Repeats = 2 };
        var progress = new List<string>();
        string output = Path.Combine(_root, "unseen");
        int[] missing = [.. _dataset.Labels.Values.Where(v => v != 0).TakeLast(2)];
        var result = new LabelEfficiencyExperiment(options, _ => new FakePretrainer(), _ => new FakeSegmenter { Unseen = missing })
            .Run(_dataset, output, new Core.SynchronousProgress<ExperimentProgress>(p => { if (p.Warning is string w) { progress.Add(w); } }));

        var unseen = result.Warnings.Where(w => w.Contains("occur in no slice", StringComparison.Ordinal)).ToList();
        Assert.That(unseen, Has.Count.EqualTo(2), "rnd and pcl share each labelled set: one warning per size and repeat");
        string names = string.Join(", ", missing.Select(v => $"{_dataset.Labels.Name(v)} ({v})"));
        Assert.That(unseen[0], Does.StartWith($"S=1 repeat 0: labels {names} occur in no slice of the training scan (sub-"));
        Assert.That(unseen[1], Does.StartWith("S=1 repeat 1: "));
        Assert.That(progress.Where(w => w.Contains("occur in no slice", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(4), "said as each run finishes training");
        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "runs", "pcl-S01-r0", LabelEfficiencyExperiment.DoneFile)))!;
        Assert.That(record["unseen_labels"]!.GetValue<string>(), Is.EqualTo(unseen[0]), "recorded with the run, so --collect reports it too");
        Assert.That(new LabelEfficiencyExperiment(options, _ => new FakePretrainer(), _ => new FakeSegmenter()).Collect(_dataset, output).Warnings, Is.EqualTo(result.Warnings));

        var seen = new LabelEfficiencyExperiment(Options(1), _ => new FakePretrainer(), _ => new FakeSegmenter()).Run(_dataset, Path.Combine(_root, "seen"));
        Assert.That(seen.Warnings, Has.None.Contains("occur"), "no warning when every label was seen");
    }

    [Test]
    public void Options_AreValidatedPerValue_NamingTheProperty()
    {
        var sizes = Assert.Throws<ArgumentException>(() => _ = Options(1) with { Sizes = [2, 2] });
        Assert.That(sizes!.ParamName, Is.EqualTo(nameof(ExperimentOptions.Sizes)));
        Assert.That(sizes.Message, Does.Contain("[2, 2]"));
        var repeats = Assert.Throws<ArgumentOutOfRangeException>(() => _ = Options(1) with { Repeats = 0 });
        Assert.That(repeats!.ParamName, Is.EqualTo(nameof(ExperimentOptions.Repeats)));
        Assert.Throws<ArgumentException>(() => _ = Options(1) with { PretrainedEncoders = new Dictionary<InitMethod, string> { [InitMethod.Rnd] = "x" } });
        var changed = Options(1, 2) with { Seed = 3 };
        Assert.That(changed.Seed, Is.EqualTo(3));
        Assert.That(changed.Sizes, Is.EqualTo(new[] { 1, 2 }), "with keeps every other value");
        Assert.That(changed.Preprocessing.TargetSize, Is.EqualTo(32));
    }

    [Test]
    public void RunOne_WaitsForThePretraining_AndCollectNamesMissingRuns()
    {
        var pretrainer = new FakePretrainer();
        var segmenter = new FakeSegmenter();
        var experiment = new LabelEfficiencyExperiment(Options(1), _ => pretrainer, _ => segmenter);
        string output = Path.Combine(_root, "array");

        var ex = Assert.Throws<ExperimentException>(() => experiment.RunOne(_dataset, output, 2));
        Assert.That(ex!.PendingRun, Is.Zero);
        Assert.That(ex.Message, Does.Contain("run 0 (pretrain pcl)"));
        Assert.That(ex.Message, Does.Not.Contain("--"));

        Assert.That(experiment.RunOne(_dataset, output, 1), Is.True);
        // Later tasks of the same study leave the shared settings record and splits alone (concurrent tasks never race on them).
        string settings = Path.Combine(output, LabelEfficiencyExperiment.SettingsFile);
        string splits = Path.Combine(output, "splits-r0.json");
        var written = (File.GetLastWriteTimeUtc(settings), File.GetLastWriteTimeUtc(splits));
        Thread.Sleep(20);
        var partial = experiment.Collect(_dataset, output);
        Assert.That((File.GetLastWriteTimeUtc(settings), File.GetLastWriteTimeUtc(splits)), Is.EqualTo(written));
        Assert.That(partial.Missing.Select(m => m.Index), Is.EqualTo(new[] { 0, 2 }));
        Assert.That(partial.Runs.Select(r => r.Key.Method), Is.EqualTo(new[] { InitMethod.Rnd }));

        // A pretraining that finishes while the fine-tuning waits.
        var background = Task.Run(() => { Thread.Sleep(500); experiment.RunOne(_dataset, output, 0); });
        Assert.That(experiment.RunOne(_dataset, output, 2, TimeSpan.FromSeconds(60)), Is.True);
        background.Wait();
        Assert.That(experiment.RunOne(_dataset, output, 2), Is.False, "complete: skipped");
        Assert.That(experiment.Collect(_dataset, output).Missing, Is.Empty);
    }

    [Test]
    public void ChangedSeed_IsRefusedNamingTheSetting_AddedSizeReusesFinishedRuns()
    {
        var segmenter = new FakeSegmenter();
        string output = Path.Combine(_root, "extend");
        var rndOnly = Options(1) with { Methods = [InitMethod.Rnd] };
        new LabelEfficiencyExperiment(rndOnly, _ => new FakePretrainer(), _ => segmenter).Run(_dataset, output);
        Assert.That(segmenter.Encoders, Has.Count.EqualTo(1));

        new LabelEfficiencyExperiment(rndOnly with { Sizes = [1, 2], Repeats = 2 }, _ => new FakePretrainer(), _ => segmenter).Run(_dataset, output);
        Assert.That(segmenter.Encoders, Has.Count.EqualTo(4), "3 new runs; the finished one is reused");

        var ex = Assert.Throws<ExperimentException>(() =>
            new LabelEfficiencyExperiment(rndOnly with { Seed = 5 }, _ => new FakePretrainer(), _ => segmenter).Run(_dataset, output));
        Assert.That(ex!.Setting, Is.EqualTo("seed"));
        Assert.That(ex.Message, Does.Contain("'seed' (0 there, 5 now)"));
        Assert.That(segmenter.Encoders, Has.Count.EqualTo(4), "refused before any work");

        // A record without per-run settings (an older ThighSeg's) is refused with that reason, not a bogus setting name.
        string done = Path.Combine(output, "runs", "rnd-S01-r0", LabelEfficiencyExperiment.DoneFile);
        File.WriteAllText(done, "{\"fingerprint\": \"0123456789abcdef01234567\"}");
        var old = Assert.Throws<ExperimentException>(() => new LabelEfficiencyExperiment(rndOnly, _ => new FakePretrainer(), _ => segmenter).Run(_dataset, output));
        Assert.That(old!.Message, Does.Contain("no per-run settings").And.Contain("rnd S=1 repeat 0"));
    }

    [Test]
    public void PretrainDownsampling_PretrainsOnTheCoarserFrame_FineTunesOnTheNetworkFrame_AndChangesOnlyThePretrainedRuns()
    {
        var fine = new (FakePretrainer P, FakeSegmenter S)[] { (new(), new()), (new(), new()) };
        var outputs = new[] { Path.Combine(_root, "frame-1"), Path.Combine(_root, "frame-2") };
        var options = new[] { Options(1) with { PretrainDownsampling = 1 }, Options(1) with { PretrainDownsampling = 2 } };
        Assert.That(Options(1).PretrainDownsampling, Is.EqualTo(ExperimentOptions.DefaultPretrainDownsampling).And.EqualTo(2), "the default");
        for (int i = 0; i < 2; i++)
        {
            var (p, seg) = fine[i];
            new LabelEfficiencyExperiment(options[i], _ => p, _ => seg).Run(_dataset, outputs[i]);
        }

        // 32 px at 6 mm; downsampled by 2: 16 px at 12 mm (the same 192 mm frame).
        Assert.That(options[1].PretrainPreprocessing, Is.EqualTo(options[1].Preprocessing with { TargetSize = 16, TargetSpacingMm = 12 }));
        Assert.That(fine[0].P.Sides, Has.All.EqualTo(32));
        Assert.That(fine[1].P.Sides, Has.All.EqualTo(16));
        Assert.That(fine[1].S.Sides, Has.All.EqualTo(32), "fine-tuning keeps the network's frame");

        string Fingerprint(int study, string folder) =>
            JsonNode.Parse(File.ReadAllText(Path.Combine(outputs[study], folder, LabelEfficiencyExperiment.DoneFile)))!["fingerprint"]!.GetValue<string>();
        Assert.That(Fingerprint(1, Path.Combine("runs", "rnd-S01-r0")), Is.EqualTo(Fingerprint(0, Path.Combine("runs", "rnd-S01-r0"))),
            "random initialisation does not depend on the pretraining frame: its runs are shared between such studies");
        Assert.That(Fingerprint(1, Path.Combine("pretrain", "pcl")), Is.Not.EqualTo(Fingerprint(0, Path.Combine("pretrain", "pcl"))));
        Assert.That(Fingerprint(1, Path.Combine("runs", "pcl-S01-r0")), Is.Not.EqualTo(Fingerprint(0, Path.Combine("runs", "pcl-S01-r0"))));
        Assert.That(File.ReadAllText(Path.Combine(outputs[0], LabelEfficiencyExperiment.SettingsFile)), Does.Not.Contain("pretrain_preprocessing"),
            "a study without the option writes the settings record it wrote before the option existed");
        Assert.That(File.ReadAllText(Path.Combine(outputs[1], LabelEfficiencyExperiment.SettingsFile)), Does.Contain("pretrain_preprocessing"));

        // The finished pretraining of the other frame is refused, naming the setting.
        var ex = Assert.Throws<ExperimentException>(() => new LabelEfficiencyExperiment(options[1], _ => new FakePretrainer(), _ => new FakeSegmenter()).Run(_dataset, outputs[0]));
        Assert.That(ex!.Setting, Does.StartWith("preprocessing."));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = Options(1) with { PretrainDownsampling = 9 });
    }

    [Test]
    public void FineTuningBudget_GrowsWithTheRunsSize_AndARunFingerprintsTheStepsThatRan()
    {
        var outputs = new[] { Path.Combine(_root, "budget-grows"), Path.Combine(_root, "budget-fixed-100"), Path.Combine(_root, "budget-fixed-200") };
        var baseOptions = Options(1, 2);
        var fixedSchedule = baseOptions.FineTune with { ScaleStepsAboveSubjects = null };
        var options = new[]
        {
            baseOptions with { FineTune = baseOptions.FineTune with { ScaleStepsAboveSubjects = 1 } },
            baseOptions with { FineTune = fixedSchedule },
            baseOptions with { FineTune = fixedSchedule with { Schedule = fixedSchedule.Schedule with { StepsPerEpoch = 200 } } },
        };
        var given = new List<FineTuneOptions>();
        for (int i = 0; i < options.Length; i++)
        {
            var segmenter = new FakeSegmenter();
            new LabelEfficiencyExperiment(options[i], _ => new FakePretrainer(), o => { if (i == 0) { given.Add(o); } return segmenter; }).Run(_dataset, outputs[i]);
        }

        // Plan order: rnd S=1, pcl S=1, rnd S=2, pcl S=2.
        Assert.That(given.Select(o => o.Schedule.StepsPerEpoch), Is.EqualTo(new int?[] { 100, 100, 200, 200 }), "the segmenter gets the budget of the run's size");
        Assert.That(given.Select(o => o.ScaleStepsAboveSubjects), Has.All.Null, "and it is applied once");
        JsonNode Done(int study, string run) => JsonNode.Parse(File.ReadAllText(Path.Combine(outputs[study], "runs", run, LabelEfficiencyExperiment.DoneFile)))!;
        string Fingerprint(int study, string run) => Done(study, run)["fingerprint"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(Fingerprint(0, "rnd-S01-r0"), Is.EqualTo(Fingerprint(1, "rnd-S01-r0")), "one subject: the fixed 100 steps, the same run");
            Assert.That(Fingerprint(0, "rnd-S02-r0"), Is.EqualTo(Fingerprint(2, "rnd-S02-r0")), "two subjects: 200 steps, the same run as a fixed 200");
            Assert.That(Fingerprint(0, "rnd-S02-r0"), Is.Not.EqualTo(Fingerprint(1, "rnd-S02-r0")));
            Assert.That(Done(0, "pcl-S02-r0")["settings"]!["finetune"]!["Schedule"]!["StepsPerEpoch"]!.GetValue<int>(), Is.EqualTo(200));
        });
    }

    private sealed class FakePretrainer : IEncoderPretrainer
    {
        public int Calls { get; private set; }

        /// <summary>The width and height of every stack given.</summary>
        public List<int> Sides { get; } = [];

        public PretrainResult Pretrain(IReadOnlyList<SliceStack> stacks, string outputDirectory, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Assert.That(stacks, Is.Not.Empty);
            Sides.AddRange(stacks.SelectMany(s => new[] { s.Width, s.Height }));
            Calls++;
            Directory.CreateDirectory(outputDirectory);
            return new PretrainResult(outputDirectory, 1, 1.0, [1.0], Resumed: false);
        }
    }

    private sealed class FakeSegmenter : ISegmenter
    {
        public List<string?> Encoders { get; } = [];

        public List<int> TrainingSubjects { get; } = [];

        /// <summary>The labels every fine-tuning reports as unseen.</summary>
        public IReadOnlyList<int> Unseen { get; init; } = [];

        /// <summary>The width and height of every training stack given.</summary>
        public List<int> Sides { get; } = [];

        public FineTuneResult FineTune(IReadOnlyList<SliceStack> labelled, string? pretrainedEncoder = null, LabelMap? classes = null, string? checkpointDirectory = null,
            IReadOnlyList<SliceStack>? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Encoders.Add(pretrainedEncoder);
            Sides.AddRange(labelled.SelectMany(s => new[] { s.Width, s.Height }));
            var subjects = labelled.Select(s => s.SubjectId).Distinct().ToList();
            TrainingSubjects.Add(subjects.Count);
            return new FineTuneResult(new LabelOneModel(classes!), 1, null, subjects, [], [1.0]) { UnseenLabels = Unseen };
        }
    }

    /// <summary>Predicts label 1 in every pixel.</summary>
    private sealed class LabelOneModel(LabelMap classes) : ISegmentationModel
    {
        public LabelMap Classes { get; } = classes;

        public UNetOptions Network { get; } = new(baseFilters: 4, depth: 3);

        public StackPrediction Predict(SliceStack stack, bool withProbabilities = false, bool flipTta = false)
        {
            int n = stack.Image.Length;
            int one = Classes.Values.ToList().IndexOf(1);
            // The model contract: probabilities per class when asked (here certain: 1 for label 1, 0 elsewhere).
            IReadOnlyList<float[]>? probabilities = withProbabilities
                ? [.. Classes.Values.Select((_, c) => Enumerable.Repeat(c == one ? 1f : 0f, n).ToArray())]
                : null;
            return new(Enumerable.Repeat(1, n).ToArray(), probabilities);
        }

        public void Save(string directory, JsonObject? preprocessing = null) => Directory.CreateDirectory(directory);

        public void Dispose()
        {
        }
    }
}
