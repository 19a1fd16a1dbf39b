using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Metrics;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Core.Statistics;
using ThighSeg.Torch;
using AtomicFile = ThighSeg.Core.AtomicFile;

namespace ThighSeg.Experiments;

/// <summary>
/// The reports of a study, from the completion records of its runs: metrics, summaries, Wilcoxon comparisons,
/// montage and provenance.
/// </summary>
internal static class StudyReports
{
    /// <summary>
    /// Writes the reports from the runs of <paramref name="study"/> that are complete and returns the result;
    /// <paramref name="fresh"/> holds the indices of the runs this invocation did (the others are marked reused).
    /// </summary>
    /// <param name="o">The study's settings.</param>
    /// <param name="torchTraining">Whether a default (TorchSharp) trainer is in use, so the provenance describes that backend.</param>
    /// <param name="study">The opened study.</param>
    /// <param name="fresh">The indices of the runs done by this invocation.</param>
    /// <param name="clock">Started when this invocation started.</param>
    internal static ExperimentResult Collect(ExperimentOptions o, bool torchTraining, Study study, HashSet<int> fresh, Stopwatch clock)
    {
        var runs = new List<RunResult>();
        var missing = new List<StudyRun>();
        var timings = new JsonObject();
        var warnings = new List<string>();
        var cropped = new SortedSet<string>(StringComparer.Ordinal);
        var unseen = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var run in study.Plan)
        {
            var record = StudyStore.IsDone(study, run) ? StudyStore.ReadDone(study, run) : null;
            if (record is null)
            {
                missing.Add(run);
                continue;
            }
            foreach (var w in record["cropped"] as JsonArray ?? [])
            {
                if (Text(w) is string crop)
                {
                    cropped.Add(crop);
                }
            }
            if (Text(record["unseen_labels"]) is string u)
            {
                unseen.Add(u);
            }
            if (run.Kind == StudyRunKind.Pretrain)
            {
                if (Text(record["isolated_positions"]) is string isolated)
                {
                    warnings.Add(PretrainingWarning(run, isolated));
                }
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
                result = record["run"].Deserialize<RunResult>(StudyStore.JsonOptions);
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
        warnings.AddRange(unseen);
        if (PreparedSubject.DescribeCrops(cropped, "training subject(s)", "were not trained on") is string crops)
        {
            warnings.Add($"{crops} {LabelEfficiencyExperiment.FrameRemedy}");
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
        AtomicFile.WriteAllText(files["provenance"], Provenance(o, torchTraining, study, runs, missing, timings, warnings, clock.Elapsed.TotalSeconds).ToJsonString(StudyStore.JsonOptions));
        return new ExperimentResult(output, runs, summary, comparisons, files, clock.Elapsed.TotalSeconds) { Warnings = warnings, Missing = missing };
    }

    /// <summary>The string a completion record holds at <paramref name="node"/>, or null (absent, null or another kind).</summary>
    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>The warning text of a pretraining run: its method, then <paramref name="warning"/>.</summary>
    internal static string PretrainingWarning(StudyRun run, string warning) => $"{run.Method.Name()} pretraining: {warning}";

    /// <summary>The body of <see cref="LabelEfficiencyExperiment.Summarize"/>.</summary>
    internal static IReadOnlyList<ExperimentSummaryRow> Summarize(IReadOnlyList<RunResult> runs)
    {
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

    /// <summary>The body of <see cref="LabelEfficiencyExperiment.Compare"/>.</summary>
    internal static IReadOnlyList<ExperimentComparison> Compare(IReadOnlyList<RunResult> runs, IReadOnlyList<InitMethod> methods)
    {
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

    /// <summary>The provenance record: versions, machine, settings, pretraining timings, runs, missing runs and warnings.</summary>
    private static JsonObject Provenance(ExperimentOptions o, bool torchTraining, Study study, IReadOnlyList<RunResult> runs, IReadOnlyList<StudyRun> missing, JsonObject timings, IReadOnlyList<string> warnings, double seconds)
    {
        var provenance = new JsonObject
        {
            ["thighseg"] = typeof(LabelEfficiencyExperiment).Assembly.GetName().Version?.ToString(),
            ["dotnet"] = Environment.Version.ToString(),
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["processors"] = Environment.ProcessorCount,
            ["date_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["labels"] = study.Dataset.Labels.ToJson(),
            ["settings"] = StudyPlan.SettingsJson(o, study.Dataset),
            ["pretraining"] = timings,
            ["runs"] = new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject
            {
                ["run"] = r.Key.FolderName,
                ["seed"] = StudyPlan.RunSeed(o, r.Key.Repeat, r.Key.Size),
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
        if (torchTraining)
        {
            var backend = TorchBackend.Describe(o.Device);
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

    /// <summary>The mean of the defined (non-NaN) values, or NaN when there are none.</summary>
    private static double Mean(IReadOnlyList<double> values)
    {
        var defined = values.Where(v => !double.IsNaN(v)).ToList();
        return defined.Count == 0 ? double.NaN : defined.Average();
    }
}
