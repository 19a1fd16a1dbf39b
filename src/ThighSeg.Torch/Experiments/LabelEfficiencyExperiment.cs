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
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Inference;
using ThighSeg.Torch.Training;
using AtomicFile = ThighSeg.Core.AtomicFile;

namespace ThighSeg.Torch.Experiments;

/// <summary>
/// The label-efficiency study of Casali et al.: pretrain each self-supervised method once on the <c>unlabeled</c>
/// subjects, fine-tune every method at every labelled-set size S (S subjects drawn from <c>train</c> by seed, several
/// draws), predict the <c>test</c> subjects, evaluate, and summarise.
/// </summary>
/// <remarks>
/// Resumable: each pretraining and each run writes a completion record (with a fingerprint of the settings and the
/// dataset) into its own folder; rerunning the same experiment skips finished work and resumes interrupted training
/// from its checkpoint. An output folder that holds results of other settings is refused, never mixed.
/// Validation subjects for model selection come from <c>train</c> only, never from <c>test</c>.
/// </remarks>
public sealed class LabelEfficiencyExperiment
{
    /// <summary>The settings record written into the output folder.</summary>
    public const string SettingsFile = "experiment.json";

    private const string DoneFile = "done.json";
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>Creates an experiment with the given settings.</summary>
    public LabelEfficiencyExperiment(ExperimentOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The settings.</summary>
    public ExperimentOptions Options { get; }

    /// <summary>Runs (or resumes) the experiment on <paramref name="dataset"/>, writing everything under <paramref name="outputDirectory"/>.</summary>
    /// <exception cref="ExperimentException">No test subjects, no unlabelled subjects for a self-supervised method, a size larger than the training split, or an output folder of other settings.</exception>
    public ExperimentResult Run(Dataset dataset, string outputDirectory, IProgress<ExperimentProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        var clock = Stopwatch.StartNew();
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
                throw new ExperimentException($"Method '{m.Name()}' pretrains on unlabelled subjects, but the manifest has none (split 'unlabeled'). Add unlabelled subjects, pass an existing pretrained encoder, or use only 'rnd'.");
            }
        }

        var splits = Enumerable.Range(0, o.Repeats)
            .Select(r => CaseSplits.Create(dataset.Manifest, o.ValidationCount, RepeatSeed(r)))
            .ToList();
        int available = splits[0].LabeledOrder.Count;
        if (o.Sizes[^1] > available)
        {
            throw new ExperimentException(
                $"Size S={o.Sizes[^1]} asks for more labelled subjects than the training split offers: {available} " +
                $"(the 'train' subjects minus {o.ValidationCount} held out for validation). Use smaller --sizes or add train subjects.");
        }

        string fingerprint = Fingerprint(dataset);
        PrepareOutput(output, fingerprint, splits);

        var prepared = new Dictionary<string, PreparedSubject>(StringComparer.Ordinal);
        var preprocessor = new Preprocessor(o.Preprocessing);
        PreparedSubject Prepare(string subject)
        {
            if (!prepared.TryGetValue(subject, out var p))
            {
                var loaded = dataset.Load(subject);
                p = preprocessor.Prepare(loaded.Image, loaded.Labels, subject);
                prepared[subject] = p;
            }
            return p;
        }

        var pretrainMethods = o.Methods.Where(m => m != InitMethod.Rnd).ToList();
        int total = pretrainMethods.Count + (o.Methods.Count * o.Sizes.Count * o.Repeats);
        int completed = 0;
        var timings = new JsonObject();
        var warnings = new List<string>();

        // 1. Pretraining, once per self-supervised method.
        var encoders = new Dictionary<InitMethod, string>();
        foreach (var method in pretrainMethods)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (o.PretrainedEncoders.TryGetValue(method, out var given))
            {
                ModelArtifact.ReadManifest(given); // fails clearly when it is not a model
                encoders[method] = given;
                completed++;
                continue;
            }
            string dir = Path.Combine(output, "pretrain", method.Name());
            encoders[method] = dir;
            if (!IsDone(dir, fingerprint))
            {
                var stage = $"pretrain {method.Name()}";
                progress?.Report(new ExperimentProgress(stage, completed, total));
                var stacks = unlabeled.SelectMany(s => Prepare(s).Stacks).ToList();
                var watch = Stopwatch.StartNew();
                var pretrainer = new ContrastivePretrainer(WithMethod(o.Pretrain, method.Contrastive()!.Value), o.Device);
                var result = pretrainer.Pretrain(stacks, dir, Forward(progress, stage, completed, total), cancellationToken);
                MarkDone(dir, fingerprint, new JsonObject
                {
                    ["steps"] = result.Steps,
                    ["final_loss"] = Finite(result.FinalLoss),
                    ["collapse_loss"] = Finite(result.CollapseLoss),
                    ["collapse_restarts"] = result.Restarts,
                    ["seconds"] = watch.Elapsed.TotalSeconds,
                });
                timings[$"pretrain_{method.Name()}_s"] = watch.Elapsed.TotalSeconds;
            }
            if (PretrainingCollapsed(dir) is { } loss)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{method.Name()} pretraining collapsed: its final loss {loss:F3} is the loss of identical embeddings, so the encoder learned nothing useful. Try --norm batch or another seed."));
            }
            completed++;
        }

        // 2. Fine-tuning runs.
        var evaluator = new SegmentationEvaluator(new EvaluationOptions
        {
            Labels = dataset.Labels.Values.Where(v => v != 0).ToList(),
            LabelNames = dataset.Labels.Names,
        });
        var preprocessingJson = VolumeSegmenter.PreprocessingJson(o.Preprocessing);
        var runs = new List<RunResult>();
        for (int repeat = 0; repeat < o.Repeats; repeat++)
        {
            foreach (int size in o.Sizes)
            {
                foreach (var method in o.Methods)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var key = new RunKey(method, size, repeat);
                    string dir = Path.Combine(output, "runs", key.FolderName);
                    var reused = TryReadRun(dir, fingerprint);
                    if (reused is not null)
                    {
                        runs.Add(reused with { Reused = true });
                        completed++;
                        continue;
                    }
                    string stage = $"finetune {key}";
                    progress?.Report(new ExperimentProgress(stage, completed, total));
                    var watch = Stopwatch.StartNew();
                    var trainSubjects = splits[repeat].LabeledSubset(size);
                    var valSubjects = splits[repeat].Validation;
                    var fineTune = WithSeed(o.FineTune, RunSeed(repeat, size));
                    var segmenter = new UNetSegmenter(fineTune, o.Device);
                    var fit = segmenter.FineTune(
                        trainSubjects.SelectMany(s => Prepare(s).Stacks).ToList(),
                        method == InitMethod.Rnd ? null : encoders[method],
                        dataset.Labels,
                        checkpointDirectory: dir,
                        validation: valSubjects.SelectMany(s => Prepare(s).Stacks).ToList(),
                        progress: Forward(progress, stage, completed, total),
                        cancellationToken: cancellationToken);
                    string modelDir = Path.Combine(dir, "model");
                    var rows = new List<SubjectMetrics>();
                    using (var volumeSegmenter = new VolumeSegmenter(fit.Model, o.Preprocessing))
                    {
                        fit.Model.Save(modelDir, preprocessingJson);
                        progress?.Report(new ExperimentProgress($"evaluate {key}", completed, total));
                        foreach (var subject in test)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            var loaded = dataset.Load(subject);
                            var prediction = volumeSegmenter.Predict(loaded.Image, new VolumePredictionOptions(o.FlipTta, o.KeepLargestComponent), subject);
                            rows.AddRange(evaluator.Evaluate(subject, loaded.Labels!, prediction.Labels));
                        }
                    }
                    var run = new RunResult(key, trainSubjects, valSubjects, fit.BestEpoch, rows, watch.Elapsed.TotalSeconds, modelDir, Reused: false);
                    WriteRun(dir, fingerprint, run);
                    runs.Add(run);
                    completed++;
                    progress?.Report(new ExperimentProgress($"done {key}", completed, total));
                }
            }
        }

        // 3. Reports.
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
        var montage = ExperimentReport.Montage(dataset, test[0], runs, o);
        if (montage is not null)
        {
            files["montage"] = Path.Combine(output, "montage.png");
            Core.Imaging.PngEncoder.WriteRgb(files["montage"], montage.Width, montage.Height, montage.Rgb);
        }
        AtomicFile.WriteAllText(files["provenance"], Provenance(dataset, runs, timings, warnings, clock.Elapsed.TotalSeconds).ToJsonString(JsonOptions));
        return new ExperimentResult(output, runs, summary, comparisons, files, clock.Elapsed.TotalSeconds) { Warnings = warnings };
    }

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
    /// interval of the mean paired difference (<see cref="Core.Statistics.PairedBootstrap"/>).
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
        Dictionary<string, double> SubjectDice(InitMethod m, int size) => runs
            .Where(r => r.Key.Method == m && r.Key.Size == size)
            .SelectMany(r => r.Rows)
            .Where(x => !double.IsNaN(x.Dice))
            .GroupBy(x => (x.Subject, x.Label))
            .Select(g => (g.Key.Subject, Dice: g.Average(x => x.Dice)))
            .GroupBy(x => x.Subject)
            .ToDictionary(g => g.Key, g => g.Average(x => x.Dice), StringComparer.Ordinal);

        foreach (int size in runs.Select(r => r.Key.Size).Distinct().Order())
        {
            var random = SubjectDice(InitMethod.Rnd, size);
            foreach (var m in methods.Where(m => m != InitMethod.Rnd))
            {
                var other = SubjectDice(m, size);
                var subjects = other.Keys.Intersect(random.Keys).Order(StringComparer.Ordinal).ToArray();
                if (subjects.Length == 0)
                {
                    continue;
                }
                double[] a = [.. subjects.Select(s => other[s])];
                double[] b = [.. subjects.Select(s => random[s])];
                double p = a.Zip(b).Any(t => t.First != t.Second)
                    ? Core.Statistics.WilcoxonSignedRankTest.Test(a, b).PValue
                    : 1.0;
                var ci = Core.Statistics.PairedBootstrap.MeanDifference(a, b);
                result.Add(new ExperimentComparison(m, size, subjects.Length, a.Average(), b.Average(), p, ci));
            }
        }
        return result;
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

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static IProgress<TrainingProgress>? Forward(IProgress<ExperimentProgress>? progress, string stage, int completed, int total) =>
        progress is null ? null : new SynchronousProgress<TrainingProgress>(p => progress.Report(new ExperimentProgress(stage, completed, total, p)));

    private string Fingerprint(Dataset dataset)
    {
        var settings = SettingsJson();
        settings["manifest"] = string.Join("\n", dataset.Manifest.Entries.Select(e => $"{e.Subject},{e.ImagePath},{e.LabelPath},{e.Split}"));
        settings["labels"] = dataset.Labels.ToJson();
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(settings.ToJsonString())))[..24].ToLowerInvariant();
    }

    private JsonObject SettingsJson()
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
        };
    }

    private void PrepareOutput(string output, string fingerprint, IReadOnlyList<CaseSplits> splits)
    {
        string settingsPath = Path.Combine(output, SettingsFile);
        if (File.Exists(settingsPath))
        {
            string? existing = null;
            try
            {
                existing = JsonNode.Parse(File.ReadAllText(settingsPath))?["fingerprint"]?.GetValue<string>();
            }
            catch (JsonException)
            {
            }
            if (existing != fingerprint)
            {
                throw new ExperimentException(
                    $"The output folder '{output}' holds results of an experiment with other settings or data (fingerprint {existing ?? "unreadable"}, now {fingerprint}). " +
                    "Results are never mixed: choose a new --out folder, or delete the old one.");
            }
        }
        else if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
        {
            throw new ExperimentException($"The output folder '{output}' is not empty and holds no {SettingsFile}; choose an empty or new folder.");
        }
        Directory.CreateDirectory(output);
        var record = new JsonObject { ["format_version"] = 1, ["fingerprint"] = fingerprint, ["settings"] = SettingsJson() };
        AtomicFile.WriteAllText(settingsPath, record.ToJsonString(JsonOptions));
        for (int r = 0; r < splits.Count; r++)
        {
            splits[r].Save(Path.Combine(output, $"splits-r{r}.json"));
        }
    }

    private static bool IsDone(string dir, string fingerprint)
    {
        string path = Path.Combine(dir, DoneFile);
        if (!File.Exists(path))
        {
            return false;
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["fingerprint"]?.GetValue<string>() == fingerprint;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The final loss of a finished pretraining in <paramref name="dir"/> when it equals the collapse loss; else null.</summary>
    private static double? PretrainingCollapsed(string dir)
    {
        string path = Path.Combine(dir, DoneFile);
        if (!File.Exists(path))
        {
            return null;
        }
        var node = JsonNode.Parse(File.ReadAllText(path));
        double loss = node?["final_loss"]?.GetValue<double>() ?? double.NaN;
        double collapse = node?["collapse_loss"]?.GetValue<double>() ?? double.NaN;
        return PretrainResult.IsCollapsed(loss, collapse) ? loss : null;
    }

    private static void MarkDone(string dir, string fingerprint, JsonObject details)
    {
        details["fingerprint"] = fingerprint;
        details["finished_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture);
        AtomicFile.WriteAllText(Path.Combine(dir, DoneFile), details.ToJsonString(JsonOptions));
    }

    private static RunResult? TryReadRun(string dir, string fingerprint)
    {
        if (!IsDone(dir, fingerprint))
        {
            return null;
        }
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, DoneFile)))!;
            return node["run"].Deserialize<RunResult>(JsonOptions);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or NullReferenceException)
        {
            return null; // an unreadable record: the run is simply redone
        }
    }

    private static void WriteRun(string dir, string fingerprint, RunResult run) =>
        MarkDone(dir, fingerprint, new JsonObject { ["run"] = JsonSerializer.SerializeToNode(run, JsonOptions) });

    private JsonObject Provenance(Dataset dataset, IReadOnlyList<RunResult> runs, JsonObject timings, IReadOnlyList<string> warnings, double seconds)
    {
        var backend = TorchBackend.Describe(Options.Device);
        return new JsonObject
        {
            ["thighseg"] = backend.ThighSegVersion,
            ["torchsharp"] = backend.TorchSharpVersion,
            ["libtorch"] = backend.LibTorchVersion,
            ["dotnet"] = Environment.Version.ToString(),
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["processors"] = Environment.ProcessorCount,
            ["device"] = backend.Device,
            ["threads"] = backend.Threads,
            ["date_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["labels"] = dataset.Labels.ToJson(),
            ["settings"] = SettingsJson(),
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
            ["warnings"] = new JsonArray([.. warnings.Select(w => (JsonNode)w)]),
            ["seconds_this_invocation"] = seconds,
        };
    }
}
