using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Metrics;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Core.Statistics;
using ThighSeg.Torch;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Inference;
using ThighSeg.Torch.Training;
using AtomicFile = ThighSeg.Core.AtomicFile;

namespace ThighSeg.Experiments;

/// <summary>
/// The label-efficiency study of Casali et al.: pretrain each self-supervised method once on the <c>unlabeled</c>
/// subjects, fine-tune every method at every labelled-set size S (S subjects drawn from <c>train</c> by seed, several
/// draws), predict the <c>test</c> subjects, evaluate, and summarise.
/// </summary>
/// <remarks>
/// <para>A study is a list of runs (<see cref="Plan"/>): pretrainings first, then fine-tunings. <see cref="Run"/> executes
/// them all in one process and writes the reports; <see cref="RunOne"/> executes one run by index (one job-array task)
/// and <see cref="Collect"/> writes the reports from the runs that are complete, so a study can be spread over a cluster.</para>
/// <para>Resumable and extendable: each run writes a completion record (<c>done.json</c>) holding a fingerprint of that
/// run's own settings (network, preprocessing, its schedule, method, size, repeat seed, the dataset, and for a
/// fine-tuning the fingerprint of the pretraining it starts from). A finished run is reused whenever its fingerprint
/// matches, so adding sizes, methods or repeats to an existing study reuses every finished run; a run folder whose
/// record was made with other settings is refused before any work, naming the setting that differs.
/// Interrupted training resumes from its checkpoint. Validation subjects come from <c>train</c> only, never from <c>test</c>.</para>
/// <para>Training goes through the <see cref="IEncoderPretrainer"/> and <see cref="ISegmenter"/> factories given to the
/// constructor (by default <see cref="ContrastivePretrainer"/> and <see cref="UNetSegmenter"/> on <see cref="ExperimentOptions.Device"/>).</para>
/// </remarks>
public sealed class LabelEfficiencyExperiment
{
    /// <summary>The settings record written into the output folder.</summary>
    public const string SettingsFile = "experiment.json";

    /// <summary>The completion record every finished run writes into its folder.</summary>
    public const string DoneFile = "done.json";

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private readonly Func<PretrainOptions, IEncoderPretrainer> _pretrainers;
    private readonly Func<FineTuneOptions, ISegmenter> _segmenters;
    private readonly bool _torchTraining; // a default factory is in use: provenance describes the TorchSharp backend

    /// <summary>Creates an experiment with the given settings that trains with ThighSeg's TorchSharp implementations.</summary>
    public LabelEfficiencyExperiment(ExperimentOptions options)
        : this(options, null, null)
    {
    }

    /// <summary>Creates an experiment that trains with the given implementations.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="pretrainers">Makes the pretrainer of one pretraining run from its options (the method set per run), or null for <see cref="ContrastivePretrainer"/>.</param>
    /// <param name="segmenters">Makes the segmenter of one fine-tuning run from its options (the seed set per run), or null for <see cref="UNetSegmenter"/>.</param>
    public LabelEfficiencyExperiment(ExperimentOptions options, Func<PretrainOptions, IEncoderPretrainer>? pretrainers, Func<FineTuneOptions, ISegmenter>? segmenters)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _pretrainers = pretrainers ?? (p => new ContrastivePretrainer(p, options.Device));
        _segmenters = segmenters ?? (f => new UNetSegmenter(f, options.Device));
        _torchTraining = pretrainers is null || segmenters is null;
    }

    /// <summary>The settings.</summary>
    public ExperimentOptions Options { get; }

    /// <summary>
    /// The study's runs in execution order: one pretraining per self-supervised method without a given encoder, then
    /// the fine-tunings by repeat, size and method. Depends on the options only.
    /// </summary>
    public IReadOnlyList<StudyRun> Plan()
    {
        var o = Options;
        var runs = new List<StudyRun>();
        var pretraining = new Dictionary<InitMethod, int>();
        foreach (var m in o.Methods.Where(m => m != InitMethod.Rnd && !o.PretrainedEncoders.ContainsKey(m)))
        {
            pretraining[m] = runs.Count;
            runs.Add(new StudyRun(runs.Count, StudyRunKind.Pretrain, m, null, null, null));
        }
        for (int repeat = 0; repeat < o.Repeats; repeat++)
        {
            foreach (int size in o.Sizes)
            {
                foreach (var m in o.Methods)
                {
                    runs.Add(new StudyRun(runs.Count, StudyRunKind.FineTune, m, size, repeat, pretraining.TryGetValue(m, out int d) ? d : null));
                }
            }
        }
        return runs;
    }

    /// <summary>
    /// Checks the study against <paramref name="dataset"/> and the output folder and writes the settings record and the
    /// splits, without training. Job-array tasks call this implicitly; calling it once before submitting them finds
    /// errors early.
    /// </summary>
    /// <exception cref="ExperimentException">No test subjects, no unlabelled subjects for a self-supervised method, a size larger than the training split, or a finished run of other settings in the folder.</exception>
    public void Prepare(Dataset dataset, string outputDirectory) => Open(dataset, outputDirectory, write: true);

    /// <summary>Runs (or resumes, or extends) the whole study in this process and writes the reports.</summary>
    /// <exception cref="ExperimentException">As <see cref="Prepare"/>.</exception>
    public ExperimentResult Run(Dataset dataset, string outputDirectory, IProgress<ExperimentProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var study = Open(dataset, outputDirectory, write: true);
        var fresh = new HashSet<int>();
        foreach (var run in study.Plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Execute(study, run, TimeSpan.Zero, progress, run.Index, study.Plan.Count, cancellationToken))
            {
                fresh.Add(run.Index);
            }
        }
        return CollectReports(study, fresh, clock);
    }

    /// <summary>
    /// Executes run <paramref name="index"/> of <see cref="Plan"/> (one job-array task): nothing when its completion
    /// record already matches. A fine-tuning whose pretraining is not complete waits up to
    /// <paramref name="dependencyTimeout"/> for that pretraining's completion record.
    /// </summary>
    /// <returns>True when this call did the work, false when the run was already complete.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not an index of the plan.</exception>
    /// <exception cref="ExperimentException">As <see cref="Prepare"/>, or the pretraining the run needs did not finish in time (the message names it).</exception>
    public bool RunOne(Dataset dataset, string outputDirectory, int index, TimeSpan dependencyTimeout = default, IProgress<ExperimentProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var plan = Plan();
        if (index < 0 || index >= plan.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The study has {plan.Count} runs (indices 0 to {plan.Count - 1}).");
        }
        if (dependencyTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(dependencyTimeout), dependencyTimeout, "The timeout must not be negative.");
        }
        var study = Open(dataset, outputDirectory, write: true);
        return Execute(study, study.Plan[index], dependencyTimeout, progress, 0, 1, cancellationToken);
    }

    /// <summary>
    /// Writes the reports (metrics, summaries, Wilcoxon comparisons, montage, provenance) from the fine-tuning runs that
    /// are complete. <see cref="ExperimentResult.Missing"/> lists the runs of the plan that are not.
    /// </summary>
    /// <exception cref="ExperimentException">As <see cref="Prepare"/>.</exception>
    public ExperimentResult Collect(Dataset dataset, string outputDirectory) =>
        CollectReports(Open(dataset, outputDirectory, write: true), new HashSet<int>(), Stopwatch.StartNew());

    /// <summary>Mean and SD over test subjects of Dice, HD95 and ASSD per method and size, overall and per label.</summary>
    public static IReadOnlyList<ExperimentSummaryRow> Summarize(IReadOnlyList<RunResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var result = new List<ExperimentSummaryRow>();
        string[] metrics = ["dice", "hd95_mm", "assd_mm"];
        foreach (var group in runs.GroupBy(r => (r.Key.Method, r.Key.Size)).OrderBy(g => g.Key.Method).ThenBy(g => g.Key.Size))
        {
            var rows = group.SelectMany(r => r.Rows.Select(x => x with { Subject = $"{x.Subject}#{r.Key.Repeat}" })).ToList();
            foreach (var s in MetricAggregation.Summarize(rows).Where(s => metrics.Contains(s.Metric)))
            {
                result.Add(new ExperimentSummaryRow(group.Key.Method, group.Key.Size, s.Label, s.LabelName, s.Metric, s.Statistic));
            }
        }
        return result;
    }

    /// <summary>
    /// Paired Wilcoxon signed-rank tests of each pretrained method against <see cref="InitMethod.Rnd"/> at each size,
    /// over test subjects (each subject's mean Dice over labels, averaged over repeats), with a bootstrap 95% confidence
    /// interval of the mean paired difference (<see cref="PairedBootstrap"/>).
    /// </summary>
    public static IReadOnlyList<ExperimentComparison> Compare(IReadOnlyList<RunResult> runs, IReadOnlyList<InitMethod> methods)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(methods);
        var result = new List<ExperimentComparison>();
        if (!methods.Contains(InitMethod.Rnd))
        {
            return result;
        }
        foreach (int size in runs.Select(r => r.Key.Size).Distinct().Order())
        {
            var random = runs.Where(r => r.Key.Method == InitMethod.Rnd && r.Key.Size == size).SelectMany(r => r.Rows).ToList();
            foreach (var m in methods.Where(m => m != InitMethod.Rnd))
            {
                var other = runs.Where(r => r.Key.Method == m && r.Key.Size == size).SelectMany(r => r.Rows).ToList();
                if (random.Count == 0 || other.Count == 0)
                {
                    continue;
                }
                // The one paired path: each test subject's mean Dice over labels and repeats, Wilcoxon signed-rank test.
                var c = MethodComparison.Compare(other, random, "dice");
                result.Add(new ExperimentComparison(m, size, c.Subjects.Count, Mean(c.A), Mean(c.B), c.Test.PValue, PairedBootstrap.MeanDifference(c.A, c.B)));
            }
        }
        return result;
    }


    private Study Open(Dataset dataset, string outputDirectory, bool write)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        var o = Options;
        string output = Path.GetFullPath(outputDirectory);
        var test = dataset.SubjectsIn(DatasetSplit.Test);
        if (test.Count == 0)
        {
            throw new ExperimentException("The manifest has no test subjects (split 'test'); the experiment evaluates on them. Mark some labelled subjects as test.");
        }
        var unlabeled = dataset.SubjectsIn(DatasetSplit.Unlabeled);
        foreach (var m in o.Methods.Where(m => m != InitMethod.Rnd && !o.PretrainedEncoders.ContainsKey(m)))
        {
            if (unlabeled.Count == 0)
            {
                throw new ExperimentException($"Method '{m.Name()}' pretrains on unlabelled subjects, but the manifest has none (split 'unlabeled'). Add unlabelled subjects, give an existing pretrained encoder (ExperimentOptions.PretrainedEncoders), or use only 'rnd'.");
            }
        }
        foreach (var given in o.PretrainedEncoders.Values)
        {
            ModelArtifact.ReadManifest(given); // fails clearly when it is not a model
        }
        var splits = Enumerable.Range(0, o.Repeats)
            .Select(r => CaseSplits.Create(dataset.Manifest, o.ValidationCount, RepeatSeed(r)))
            .ToList();
        int available = splits[0].LabeledOrder.Count;
        if (o.Sizes[^1] > available)
        {
            throw new ExperimentException(
                $"Size S={o.Sizes[^1]} asks for more labelled subjects than the training split offers: {available} " +
                $"(the 'train' subjects minus {o.ValidationCount} held out for validation). Use smaller sizes (ExperimentOptions.Sizes) or add train subjects.")
            { Setting = nameof(ExperimentOptions.Sizes) };
        }
        var study = new Study(dataset, output, splits, test, unlabeled, Plan());
        foreach (var run in study.Plan)
        {
            study.Fingerprints[run.Index] = Fingerprint(RunSettings(study, run));
        }
        CheckFinishedRuns(study);
        if (write)
        {
            WriteSettings(study);
        }
        return study;
    }

    /// <summary>Refuses the folder when it is not a study folder, or when a finished run there was made with other settings.</summary>
    private void CheckFinishedRuns(Study study)
    {
        string settingsPath = Path.Combine(study.Output, SettingsFile);
        if (!File.Exists(settingsPath) && Directory.Exists(study.Output) &&
            Directory.EnumerateFileSystemEntries(study.Output).Any(e => AtomicFile.TargetOfTemp(Path.GetFileName(e)) is null))
        {
            throw new ExperimentException($"The output folder '{study.Output}' is not empty and holds no {SettingsFile}; choose an empty or new folder.");
        }
        foreach (var run in study.Plan)
        {
            var record = ReadDone(study, run);
            if (record is null || record["fingerprint"]?.GetValue<string>() == study.Fingerprints[run.Index])
            {
                continue;
            }
            if (record["settings"] is not JsonObject recorded)
            {
                throw new ExperimentException(
                    $"The output folder '{study.Output}' holds a finished run '{run}' whose completion record has no per-run settings " +
                    "(written by an older ThighSeg, or damaged), so it cannot be reused or compared: use a new folder, or delete the old one.");
            }
            var now = RunSettings(study, run);
            var (setting, before, after) = FirstDifference(recorded, now);
            throw new ExperimentException(
                $"The output folder '{study.Output}' holds a finished run '{run}' made with another value of the setting '{setting}' " +
                $"({before} there, {after} now). Adding sizes, methods or repeats reuses finished runs; other settings cannot change within one study folder: use a new folder, or delete the old one.")
            { Setting = setting };
        }
    }

    /// <summary>
    /// Writes the settings record and the splits, each only when its content changes: job-array tasks of one study
    /// find them already written (by the first task or by <see cref="Prepare"/>) and leave them alone.
    /// </summary>
    private void WriteSettings(Study study)
    {
        Directory.CreateDirectory(study.Output);
        var record = new JsonObject { ["format_version"] = 2, ["settings"] = SettingsJson(study.Dataset) };
        string settingsPath = Path.Combine(study.Output, SettingsFile);
        string text = record.ToJsonString(JsonOptions);
        if (!File.Exists(settingsPath) || File.ReadAllText(settingsPath) != text)
        {
            AtomicFile.WriteAllText(settingsPath, text);
        }
        for (int r = 0; r < study.Splits.Count; r++)
        {
            string path = Path.Combine(study.Output, $"splits-r{r}.json");
            if (!File.Exists(path) || !SameSplits(ReadSplits(path), study.Splits[r]))
            {
                study.Splits[r].Save(path);
            }
        }
    }

    private static CaseSplits? ReadSplits(string path)
    {
        try
        {
            return CaseSplits.Load(path);
        }
        catch (DatasetException)
        {
            return null; // unreadable: written anew
        }
    }

    private static bool SameSplits(CaseSplits? a, CaseSplits b) =>
        a is not null && a.Seed == b.Seed && a.ValidationCount == b.ValidationCount && a.Unlabeled.SequenceEqual(b.Unlabeled) &&
        a.Validation.SequenceEqual(b.Validation) && a.LabeledOrder.SequenceEqual(b.LabeledOrder) && a.Test.SequenceEqual(b.Test);

    /// <summary>Executes one run unless it is complete; true when it did the work.</summary>
    private bool Execute(Study study, StudyRun run, TimeSpan dependencyTimeout, IProgress<ExperimentProgress>? progress, int completed, int total, CancellationToken cancellationToken)
    {
        if (IsDone(study, run))
        {
            return false;
        }
        var o = Options;
        string dir = Path.Combine(study.Output, run.Folder);
        string stage = run.ToString();
        progress?.Report(new ExperimentProgress(stage, completed, total));
        var watch = Stopwatch.StartNew();
        if (run.Kind == StudyRunKind.Pretrain)
        {
            var stacks = study.Unlabeled.SelectMany(s => study.Prepare(s, o.Preprocessing).Stacks).ToList();
            var pretrainer = _pretrainers(WithMethod(o.Pretrain, run.Method.Contrastive()!.Value));
            var pretrained = pretrainer.Pretrain(stacks, dir, Forward(progress, stage, completed, total), cancellationToken);
            MarkDone(study, run, new JsonObject
            {
                ["steps"] = pretrained.Steps,
                ["final_loss"] = Finite(pretrained.FinalLoss),
                ["collapse_loss"] = Finite(pretrained.CollapseLoss),
                ["collapse_restarts"] = pretrained.Restarts,
                ["seconds"] = watch.Elapsed.TotalSeconds,
                ["cropped"] = study.CropWarnings(study.Unlabeled),
            });
            return true;
        }

        var key = run.Key!.Value;
        string? encoder = null;
        if (run.DependsOn is int d)
        {
            var pretraining = study.Plan[d];
            WaitFor(study, run, pretraining, dependencyTimeout, cancellationToken);
            encoder = Path.Combine(study.Output, pretraining.Folder);
        }
        else if (o.PretrainedEncoders.TryGetValue(run.Method, out var given))
        {
            encoder = given;
        }
        var split = study.Splits[key.Repeat];
        var trainSubjects = split.LabeledSubset(key.Size);
        var valSubjects = split.Validation;
        var segmenter = _segmenters(WithSeed(o.FineTune, RunSeed(key.Repeat, key.Size)));
        var fit = segmenter.FineTune(
            trainSubjects.SelectMany(s => study.Prepare(s, o.Preprocessing).Stacks).ToList(),
            encoder,
            study.Dataset.Labels,
            checkpointDirectory: dir,
            validation: valSubjects.SelectMany(s => study.Prepare(s, o.Preprocessing).Stacks).ToList(),
            progress: Forward(progress, stage, completed, total),
            cancellationToken: cancellationToken);
        string modelDir = Path.Combine(dir, "model");
        var evaluator = new SegmentationEvaluator(new EvaluationOptions
        {
            Labels = study.Dataset.Labels.Values.Where(v => v != 0).ToList(),
            LabelNames = study.Dataset.Labels.Names,
        });
        var rows = new List<SubjectMetrics>();
        using (var volumeSegmenter = new VolumeSegmenter(fit.Model, o.Preprocessing))
        {
            fit.Model.Save(modelDir, VolumeSegmenter.PreprocessingJson(o.Preprocessing));
            progress?.Report(new ExperimentProgress($"evaluate {key}", completed, total));
            foreach (var subject in study.Test)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var loaded = study.Dataset.Load(subject);
                var prediction = volumeSegmenter.Predict(loaded.Image, new VolumePredictionOptions(o.FlipTta, o.KeepLargestComponent), subject);
                rows.AddRange(evaluator.Evaluate(subject, loaded.Labels!, prediction.Labels));
            }
        }
        var result = new RunResult(key, trainSubjects, valSubjects, fit.BestEpoch, rows, watch.Elapsed.TotalSeconds, modelDir, Reused: false);
        MarkDone(study, run, new JsonObject
        {
            ["run"] = JsonSerializer.SerializeToNode(result, JsonOptions),
            ["cropped"] = study.CropWarnings(trainSubjects.Concat(valSubjects)),
        });
        progress?.Report(new ExperimentProgress($"done {key}", completed + 1, total));
        return true;
    }

    /// <summary>Waits until <paramref name="pretraining"/> is complete, or fails naming it.</summary>
    private static void WaitFor(Study study, StudyRun run, StudyRun pretraining, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!IsDone(study, pretraining))
        {
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new ExperimentException(string.Create(CultureInfo.InvariantCulture,
                    $"Run {run.Index} ({run}) starts from the encoder of run {pretraining.Index} ({pretraining}), which has not finished: " +
                    $"its completion record {Path.Combine(study.Output, pretraining.Folder, DoneFile)} is missing (waited {timeout.TotalSeconds:F0} s). " +
                    $"Run {pretraining.Index} must finish first."))
                { PendingRun = pretraining.Index };
            }
            cancellationToken.WaitHandle.WaitOne(left < PollInterval ? left : PollInterval);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private ExperimentResult CollectReports(Study study, HashSet<int> fresh, Stopwatch clock)
    {
        var o = Options;
        var runs = new List<RunResult>();
        var missing = new List<StudyRun>();
        var timings = new JsonObject();
        var warnings = new List<string>();
        var cropped = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var run in study.Plan)
        {
            var record = IsDone(study, run) ? ReadDone(study, run) : null;
            if (record is null)
            {
                missing.Add(run);
                continue;
            }
            foreach (var w in record["cropped"] as JsonArray ?? [])
            {
                if (w?.GetValueKind() == JsonValueKind.String)
                {
                    cropped.Add(w.GetValue<string>());
                }
            }
            if (run.Kind == StudyRunKind.Pretrain)
            {
                timings[$"pretrain_{run.Method.Name()}_s"] = record["seconds"]?.GetValue<double>();
                double loss = record["final_loss"]?.GetValue<double>() ?? double.NaN;
                double collapse = record["collapse_loss"]?.GetValue<double>() ?? double.NaN;
                if (PretrainResult.IsCollapsed(loss, collapse))
                {
                    warnings.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{run.Method.Name()} pretraining collapsed: its final loss {loss:F3} is the loss of identical embeddings, so the encoder learned nothing useful. Try batch normalisation (UNetOptions.Normalization) or another seed."));
                }
                continue;
            }
            RunResult? result;
            try
            {
                result = record["run"].Deserialize<RunResult>(JsonOptions);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException)
            {
                result = null;
            }
            if (result is null)
            {
                missing.Add(run);
                continue;
            }
            runs.Add(result with { Reused = !fresh.Contains(run.Index) });
        }
        if (cropped.Count > 0)
        {
            string shown = string.Join("; ", cropped.Take(3)) + (cropped.Count > 3 ? string.Create(CultureInfo.InvariantCulture, $"; and {cropped.Count - 3} more") : "");
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{cropped.Count} training subject(s) have a thigh larger than the network frame, whose edges were not trained on: {shown}. ") +
                "Give the network a larger frame (PreprocessingOptions.TargetSize or TargetSpacingMm), or plan it from the data (PreprocessingPlanner).");
        }

        string output = study.Output;
        var summary = Summarize(runs);
        var comparisons = Compare(runs, o.Methods);
        var files = new Dictionary<string, string>
        {
            ["metrics"] = Path.Combine(output, "metrics.csv"),
            ["summary_csv"] = Path.Combine(output, "summary.csv"),
            ["summary_md"] = Path.Combine(output, "summary.md"),
            ["comparisons"] = Path.Combine(output, "wilcoxon.csv"),
            ["provenance"] = Path.Combine(output, "provenance.json"),
        };
        AtomicFile.WriteAllText(files["metrics"], ExperimentReport.MetricsCsv(runs));
        AtomicFile.WriteAllText(files["summary_csv"], ExperimentReport.SummaryCsv(summary));
        AtomicFile.WriteAllText(files["summary_md"], ExperimentReport.SummaryMarkdown(o, summary, comparisons));
        AtomicFile.WriteAllText(files["comparisons"], ExperimentReport.ComparisonsCsv(comparisons));
        var montage = ExperimentReport.Montage(study.Dataset, study.Test[0], runs, o);
        if (montage is not null)
        {
            files["montage"] = Path.Combine(output, "montage.png");
            AtomicFile.WriteAllBytes(files["montage"], montage);
        }
        AtomicFile.WriteAllText(files["provenance"], Provenance(study, runs, missing, timings, warnings, clock.Elapsed.TotalSeconds).ToJsonString(JsonOptions));
        return new ExperimentResult(output, runs, summary, comparisons, files, clock.Elapsed.TotalSeconds) { Warnings = warnings, Missing = missing };
    }

    /// <summary>Returns <paramref name="o"/> with another contrastive method.</summary>
    public static PretrainOptions WithMethod(PretrainOptions o, ContrastiveMethod method)
    {
        ArgumentNullException.ThrowIfNull(o);
        return o with { Method = method };
    }

    /// <summary>Returns <paramref name="o"/> with another seed.</summary>
    public static FineTuneOptions WithSeed(FineTuneOptions o, int seed)
    {
        ArgumentNullException.ThrowIfNull(o);
        return o with { Schedule = o.Schedule with { Seed = seed } };
    }

    private int RepeatSeed(int repeat) => unchecked((Options.Seed * 7919) + (repeat * 104729) + 17);

    private int RunSeed(int repeat, int size) => unchecked((RepeatSeed(repeat) * 31) + size);

    private static double Mean(IReadOnlyList<double> values)
    {
        var defined = values.Where(v => !double.IsNaN(v)).ToList();
        return defined.Count == 0 ? double.NaN : defined.Average();
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static IProgress<TrainingProgress>? Forward(IProgress<ExperimentProgress>? progress, string stage, int completed, int total) =>
        progress is null ? null : new SynchronousProgress<TrainingProgress>(p => progress.Report(new ExperimentProgress(stage, completed, total, p)));

    private static JsonObject DatasetJson(Dataset dataset) => new()
    {
        ["manifest"] = string.Join("\n", dataset.Manifest.Entries.Select(e => $"{e.Subject},{e.ImagePath},{e.LabelPath},{e.Split}")),
        ["labels"] = dataset.Labels.ToJson(),
    };

    /// <summary>
    /// The settings one run depends on, and nothing else: the study's seed, the dataset, preprocessing, and the
    /// pretraining options (a pretraining) or the fine-tuning options with the run's seed, its method, size, repeat,
    /// validation count, prediction options and the encoder it starts from (a fine-tuning).
    /// </summary>
    private JsonObject RunSettings(Study study, StudyRun run)
    {
        var o = Options;
        var settings = new JsonObject
        {
            ["seed"] = o.Seed,
            ["method"] = run.Method.Name(),
        };
        if (run.Kind == StudyRunKind.Pretrain)
        {
            settings["pretrain"] = ModelArtifact.OptionsJson(WithMethod(o.Pretrain, run.Method.Contrastive()!.Value));
        }
        else
        {
            var key = run.Key!.Value;
            settings["size"] = key.Size;
            settings["repeat"] = key.Repeat;
            settings["validation_count"] = o.ValidationCount;
            settings["flip_tta"] = o.FlipTta;
            settings["keep_largest_component"] = o.KeepLargestComponent;
            settings["encoder"] = run.DependsOn is int d
                ? $"pretraining {study.Fingerprints[d]}"
                : o.PretrainedEncoders.TryGetValue(run.Method, out var given) ? given : "random";
            settings["finetune"] = ModelArtifact.OptionsJson(WithSeed(o.FineTune, RunSeed(key.Repeat, key.Size)));
        }
        settings["preprocessing"] = VolumeSegmenter.PreprocessingJson(o.Preprocessing);
        settings["dataset"] = DatasetJson(study.Dataset);
        return settings;
    }

    private static string Fingerprint(JsonObject settings) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(settings.ToJsonString())))[..24].ToLowerInvariant();

    /// <summary>The first setting (dotted path) whose value differs, with both values.</summary>
    private static (string Setting, string Before, string After) FirstDifference(JsonObject before, JsonObject after)
    {
        var a = new List<KeyValuePair<string, string>>();
        var b = new Dictionary<string, string>(StringComparer.Ordinal);
        Flatten(after, "", (k, v) => a.Add(new(k, v)));
        Flatten(before, "", (k, v) => b[k] = v);
        foreach (var (k, v) in a)
        {
            if (!b.TryGetValue(k, out var old))
            {
                return (k, "absent", Shorten(v));
            }
            if (old != v)
            {
                return (k, Shorten(old), Shorten(v));
            }
        }
        var removed = b.Keys.FirstOrDefault(k => a.All(x => x.Key != k));
        return removed is null ? ("fingerprint", "other", "this") : (removed, Shorten(b[removed]), "absent");
    }

    private static void Flatten(JsonNode? node, string path, Action<string, string> add)
    {
        if (node is JsonObject obj)
        {
            foreach (var (k, v) in obj)
            {
                Flatten(v, path.Length == 0 ? k : $"{path}.{k}", add);
            }
        }
        else
        {
            add(path, node?.ToJsonString() ?? "null");
        }
    }

    private static string Shorten(string value) => value.Length <= 80 ? value : $"{value[..77]}...";

    private JsonObject SettingsJson(Dataset dataset)
    {
        var o = Options;
        return new JsonObject
        {
            ["sizes"] = new JsonArray([.. o.Sizes.Select(s => (JsonNode)s)]),
            ["methods"] = new JsonArray([.. o.Methods.Select(m => (JsonNode)m.Name())]),
            ["repeats"] = o.Repeats,
            ["validation_count"] = o.ValidationCount,
            ["seed"] = o.Seed,
            ["flip_tta"] = o.FlipTta,
            ["keep_largest_component"] = o.KeepLargestComponent,
            ["pretrain"] = ModelArtifact.OptionsJson(o.Pretrain),
            ["finetune"] = ModelArtifact.OptionsJson(o.FineTune),
            ["preprocessing"] = VolumeSegmenter.PreprocessingJson(o.Preprocessing),
            ["pretrained_encoders"] = new JsonObject(o.PretrainedEncoders.Select(kv => KeyValuePair.Create(kv.Key.Name(), (JsonNode?)kv.Value))),
            ["dataset"] = DatasetJson(dataset),
        };
    }

    private static JsonObject? ReadDone(Study study, StudyRun run)
    {
        string path = Path.Combine(study.Output, run.Folder, DoneFile);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (JsonException)
        {
            return null; // an unreadable record: the run is simply redone
        }
    }

    private static bool IsDone(Study study, StudyRun run) =>
        ReadDone(study, run)?["fingerprint"]?.GetValue<string>() == study.Fingerprints[run.Index];

    private void MarkDone(Study study, StudyRun run, JsonObject details)
    {
        details["fingerprint"] = study.Fingerprints[run.Index];
        details["settings"] = RunSettings(study, run);
        details["finished_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture);
        AtomicFile.WriteAllText(Path.Combine(study.Output, run.Folder, DoneFile), details.ToJsonString(JsonOptions));
    }

    private JsonObject Provenance(Study study, IReadOnlyList<RunResult> runs, IReadOnlyList<StudyRun> missing, JsonObject timings, IReadOnlyList<string> warnings, double seconds)
    {
        var provenance = new JsonObject
        {
            ["thighseg"] = typeof(LabelEfficiencyExperiment).Assembly.GetName().Version?.ToString(),
            ["dotnet"] = Environment.Version.ToString(),
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["processors"] = Environment.ProcessorCount,
            ["date_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["labels"] = study.Dataset.Labels.ToJson(),
            ["settings"] = SettingsJson(study.Dataset),
            ["pretraining"] = timings,
            ["runs"] = new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject
            {
                ["run"] = r.Key.FolderName,
                ["seed"] = RunSeed(r.Key.Repeat, r.Key.Size),
                ["training_subjects"] = new JsonArray([.. r.TrainingSubjects.Select(s => (JsonNode)s)]),
                ["validation_subjects"] = new JsonArray([.. r.ValidationSubjects.Select(s => (JsonNode)s)]),
                ["best_epoch"] = r.BestEpoch,
                ["seconds"] = r.Seconds,
                ["reused"] = r.Reused,
            })]),
            ["missing_runs"] = new JsonArray([.. missing.Select(m => (JsonNode)$"{m.Index}: {m}")]),
            ["warnings"] = new JsonArray([.. warnings.Select(w => (JsonNode)w)]),
            ["seconds_this_invocation"] = seconds,
        };
        if (_torchTraining)
        {
            var backend = TorchBackend.Describe(Options.Device);
            provenance["thighseg"] = backend.ThighSegVersion;
            provenance["torchsharp"] = backend.TorchSharpVersion;
            provenance["libtorch"] = backend.LibTorchVersion;
            provenance["device"] = backend.Device;
            provenance["threads"] = backend.Threads;
        }
        else
        {
            // Both trainers came from the caller: no native backend is loaded just to describe it.
            provenance["trainers"] = "IEncoderPretrainer and ISegmenter supplied by the caller";
        }
        return provenance;
    }

    /// <summary>One opened study: its data, folder, splits, plan, run fingerprints, and the subjects prepared so far.</summary>
    private sealed class Study(Dataset dataset, string output, IReadOnlyList<CaseSplits> splits, IReadOnlyList<string> test, IReadOnlyList<string> unlabeled, IReadOnlyList<StudyRun> plan)
    {
        private readonly Dictionary<string, PreparedSubject> _prepared = new(StringComparer.Ordinal);
        private Preprocessor? _preprocessor;

        public Dataset Dataset { get; } = dataset;

        public string Output { get; } = output;

        public IReadOnlyList<CaseSplits> Splits { get; } = splits;

        public IReadOnlyList<string> Test { get; } = test;

        public IReadOnlyList<string> Unlabeled { get; } = unlabeled;

        public IReadOnlyList<StudyRun> Plan { get; } = plan;

        public Dictionary<int, string> Fingerprints { get; } = [];

        /// <summary>The <see cref="PreparedSubject.CropWarning"/>s of those of <paramref name="subjects"/> prepared so far, as a JSON array.</summary>
        public JsonArray CropWarnings(IEnumerable<string> subjects) =>
            new([.. subjects.Select(s => _prepared.TryGetValue(s, out var p) ? p.CropWarning : null).OfType<string>().Select(w => (JsonNode)w)]);

        public PreparedSubject Prepare(string subject, PreprocessingOptions options)
        {
            if (!_prepared.TryGetValue(subject, out var p))
            {
                _preprocessor ??= new Preprocessor(options);
                var loaded = Dataset.Load(subject);
                p = _preprocessor.Prepare(loaded.Image, loaded.Labels, subject);
                _prepared[subject] = p;
            }
            return p;
        }
    }
}
