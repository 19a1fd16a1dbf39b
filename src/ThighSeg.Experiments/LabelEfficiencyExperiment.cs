using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Metrics;
using ThighSeg.Core.Statistics;
using ThighSeg.Torch;
using ThighSeg.Torch.Inference;
using ThighSeg.Torch.Training;

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

    /// <summary>
    /// The last sentence of the report warning about training subjects whose thigh is larger than the network frame
    /// (in <see cref="ExperimentResult.Warnings"/>): what to change, in the library's terms; a front end may replace
    /// it with its own (the CLI names its flags).
    /// </summary>
    public const string FrameRemedy = "Give the network a larger frame (PreprocessingOptions.TargetSize or TargetSpacingMm), or plan it from the data (PreprocessingPlanner).";

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
    public IReadOnlyList<StudyRun> Plan() => StudyPlan.Create(Options);

    /// <summary>
    /// Checks the study against <paramref name="dataset"/> and the output folder and writes the settings record and the
    /// splits, without training. Job-array tasks call this implicitly; calling it once before submitting them finds
    /// errors early.
    /// </summary>
    /// <exception cref="ExperimentException">No test subjects, no unlabelled subjects for a self-supervised method, a size larger than the training split, or a finished run of other settings in the folder.</exception>
    public void Prepare(Dataset dataset, string outputDirectory) => Open(dataset, outputDirectory);

    /// <summary>Runs (or resumes, or extends) the whole study in this process and writes the reports.</summary>
    /// <exception cref="ExperimentException">As <see cref="Prepare"/>.</exception>
    public ExperimentResult Run(Dataset dataset, string outputDirectory, IProgress<ExperimentProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var study = Open(dataset, outputDirectory);
        var fresh = new HashSet<int>();
        foreach (var run in study.Plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Execute(study, run, TimeSpan.Zero, progress, run.Index, study.Plan.Count, cancellationToken))
            {
                fresh.Add(run.Index);
            }
        }
        return StudyReports.Collect(Options, _torchTraining, study, fresh, clock);
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
        var study = Open(dataset, outputDirectory);
        return Execute(study, study.Plan[index], dependencyTimeout, progress, 0, 1, cancellationToken);
    }

    /// <summary>
    /// Writes the reports (metrics, summaries, Wilcoxon comparisons, montage, provenance) from the fine-tuning runs that
    /// are complete. <see cref="ExperimentResult.Missing"/> lists the runs of the plan that are not.
    /// </summary>
    /// <exception cref="ExperimentException">As <see cref="Prepare"/>.</exception>
    public ExperimentResult Collect(Dataset dataset, string outputDirectory) =>
        StudyReports.Collect(Options, _torchTraining, Open(dataset, outputDirectory), new HashSet<int>(), Stopwatch.StartNew());

    /// <summary>Mean and SD over test subjects of Dice, HD95 and ASSD per method and size, overall and per label.</summary>
    public static IReadOnlyList<ExperimentSummaryRow> Summarize(IReadOnlyList<RunResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return StudyReports.Summarize(runs);
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
        return StudyReports.Compare(runs, methods);
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

    /// <summary>Opens the study of <see cref="Options"/> in <paramref name="outputDirectory"/>, writing its settings record and splits.</summary>
    private Study Open(Dataset dataset, string outputDirectory) => StudyStore.Open(Options, dataset, outputDirectory, write: true);

    /// <summary>Executes one run unless it is complete; true when it did the work.</summary>
    private bool Execute(Study study, StudyRun run, TimeSpan dependencyTimeout, IProgress<ExperimentProgress>? progress, int completed, int total, CancellationToken cancellationToken)
    {
        if (StudyStore.IsDone(study, run))
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
            var frame = o.PretrainPreprocessing;
            var stacks = study.Unlabeled.SelectMany(s => study.Prepare(s, frame).Stacks).ToList();
            var pretrainOptions = WithMethod(o.Pretrain, run.Method.Contrastive()!.Value);
            string? isolated = SlicePositions.IsolationWarning(stacks, pretrainOptions);
            if (isolated is not null)
            {
                progress?.Report(new ExperimentProgress(stage, completed, total, Warning: StudyReports.PretrainingWarning(run, isolated)));
            }
            var pretrained = _pretrainers(pretrainOptions).Pretrain(stacks, dir, Forward(progress, stage, completed, total), cancellationToken);
            StudyStore.MarkDone(o, study, run, new JsonObject
            {
                ["isolated_positions"] = isolated,
                ["steps"] = pretrained.Steps,
                ["final_loss"] = Finite(pretrained.FinalLoss),
                ["collapse_loss"] = Finite(pretrained.CollapseLoss),
                ["collapse_restarts"] = pretrained.Restarts,
                ["seconds"] = watch.Elapsed.TotalSeconds,
                ["cropped"] = study.CropWarnings(study.Unlabeled, frame),
            });
            return true;
        }

        var key = run.Key!.Value;
        string? encoder = null;
        if (run.DependsOn is int d)
        {
            var pretraining = study.Plan[d];
            StudyStore.WaitFor(study, run, pretraining, dependencyTimeout, cancellationToken);
            encoder = Path.Combine(study.Output, pretraining.Folder);
        }
        else if (o.PretrainedEncoders.TryGetValue(run.Method, out var given))
        {
            encoder = given;
        }
        var split = study.Splits[key.Repeat];
        var trainSubjects = split.LabeledSubset(key.Size);
        var valSubjects = split.Validation;
        var segmenter = _segmenters(StudyPlan.FineTuneOptionsOf(o, key));
        var fit = segmenter.FineTune(
            trainSubjects.SelectMany(s => study.Prepare(s, o.Preprocessing).Stacks).ToList(),
            encoder,
            study.Dataset.Labels,
            checkpointDirectory: dir,
            validation: valSubjects.SelectMany(s => study.Prepare(s, o.Preprocessing).Stacks).ToList(),
            progress: Forward(progress, stage, completed, total),
            cancellationToken: cancellationToken);
        string? unseen = UnseenLabelsWarning(key, study.Dataset.Labels, fit.UnseenLabels, trainSubjects);
        if (unseen is not null)
        {
            progress?.Report(new ExperimentProgress(stage, completed, total, Warning: unseen));
        }
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
        StudyStore.MarkDone(o, study, run, new JsonObject
        {
            ["run"] = JsonSerializer.SerializeToNode(result, StudyStore.JsonOptions),
            ["cropped"] = study.CropWarnings(trainSubjects.Concat(valSubjects), o.Preprocessing),
            ["unseen_labels"] = unseen,
        });
        progress?.Report(new ExperimentProgress($"done {key}", completed + 1, total));
        return true;
    }

    /// <summary>The warning for labels the run's training subjects do not contain, or null: worded per labelled set
    /// (size and repeat), which every method of the study shares, so the report says it once.</summary>
    internal static string? UnseenLabelsWarning(RunKey key, LabelMap labels, IReadOnlyList<int> unseen, IReadOnlyList<string> trainSubjects) =>
        LabelCoverage.Warning(labels, unseen, trainSubjects) is string w ? $"S={key.Size} repeat {key.Repeat}: {w}" : null;

    /// <summary>The value, or null when it is not finite (JSON has no NaN).</summary>
    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>Reports training progress as <paramref name="progress"/> of the run <paramref name="stage"/>.</summary>
    private static IProgress<TrainingProgress>? Forward(IProgress<ExperimentProgress>? progress, string stage, int completed, int total) =>
        progress is null ? null : new SynchronousProgress<TrainingProgress>(p => progress.Report(new ExperimentProgress(stage, completed, total, p)));
}
