using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Artifacts;
using AtomicFile = ThighSeg.Core.AtomicFile;

namespace ThighSeg.Experiments;

/// <summary>
/// The on-disk state of a study: opening (checking) its folder, the settings record and splits, and the per-run
/// completion records (<see cref="LabelEfficiencyExperiment.DoneFile"/>) that make it resumable and extendable.
/// </summary>
internal static class StudyStore
{
    /// <summary>How often <see cref="WaitFor"/> looks for a pretraining's completion record.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <summary>The JSON format of the study's records and reports.</summary>
    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>
    /// Checks the study of <paramref name="o"/> against <paramref name="dataset"/> and the output folder, computes the
    /// run fingerprints, and (with <paramref name="write"/>) writes the settings record and the splits.
    /// </summary>
    /// <exception cref="ExperimentException">As <see cref="LabelEfficiencyExperiment.Prepare"/>.</exception>
    internal static Study Open(ExperimentOptions o, Dataset dataset, string outputDirectory, bool write)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
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
            .Select(r => CaseSplits.Create(dataset.Manifest, o.ValidationCount, StudyPlan.RepeatSeed(o, r)))
            .ToList();
        int available = splits[0].LabeledOrder.Count;
        if (o.Sizes[^1] > available)
        {
            throw new ExperimentException(
                $"Size S={o.Sizes[^1]} asks for more labelled subjects than the training split offers: {available} " +
                $"(the 'train' subjects minus {o.ValidationCount} held out for validation). Use smaller sizes (ExperimentOptions.Sizes) or add train subjects.")
            { Setting = nameof(ExperimentOptions.Sizes) };
        }
        var study = new Study(dataset, output, splits, test, unlabeled, StudyPlan.Create(o));
        foreach (var run in study.Plan)
        {
            study.Fingerprints[run.Index] = StudyPlan.Fingerprint(StudyPlan.RunSettings(o, study, run));
        }
        CheckFinishedRuns(o, study);
        if (write)
        {
            WriteSettings(o, study);
        }
        return study;
    }

    /// <summary>The completion record of <paramref name="run"/>, or null when it has none or it cannot be read.</summary>
    internal static JsonObject? ReadDone(Study study, StudyRun run)
    {
        string path = Path.Combine(study.Output, run.Folder, LabelEfficiencyExperiment.DoneFile);
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

    /// <summary>Whether <paramref name="run"/> has a completion record of its current settings.</summary>
    internal static bool IsDone(Study study, StudyRun run) =>
        ReadDone(study, run)?["fingerprint"]?.GetValue<string>() == study.Fingerprints[run.Index];

    /// <summary>Writes the completion record of <paramref name="run"/>: <paramref name="details"/> with its fingerprint, settings and time.</summary>
    internal static void MarkDone(ExperimentOptions o, Study study, StudyRun run, JsonObject details)
    {
        details["fingerprint"] = study.Fingerprints[run.Index];
        details["settings"] = StudyPlan.RunSettings(o, study, run);
        details["finished_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture);
        AtomicFile.WriteAllText(Path.Combine(study.Output, run.Folder, LabelEfficiencyExperiment.DoneFile), details.ToJsonString(JsonOptions));
    }

    /// <summary>Waits until <paramref name="pretraining"/> is complete, or fails naming it.</summary>
    internal static void WaitFor(Study study, StudyRun run, StudyRun pretraining, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!IsDone(study, pretraining))
        {
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new ExperimentException(string.Create(CultureInfo.InvariantCulture,
                    $"Run {run.Index} ({run}) starts from the encoder of run {pretraining.Index} ({pretraining}), which has not finished: " +
                    $"its completion record {Path.Combine(study.Output, pretraining.Folder, LabelEfficiencyExperiment.DoneFile)} is missing (waited {timeout.TotalSeconds:F0} s). " +
                    $"Run {pretraining.Index} must finish first."))
                { PendingRun = pretraining.Index };
            }
            cancellationToken.WaitHandle.WaitOne(left < PollInterval ? left : PollInterval);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Refuses the folder when it is not a study folder, or when a finished run there was made with other settings.</summary>
    private static void CheckFinishedRuns(ExperimentOptions o, Study study)
    {
        string settingsPath = Path.Combine(study.Output, LabelEfficiencyExperiment.SettingsFile);
        if (!File.Exists(settingsPath) && Directory.Exists(study.Output) &&
            Directory.EnumerateFileSystemEntries(study.Output).Any(e => AtomicFile.TargetOfTemp(Path.GetFileName(e)) is null))
        {
            throw new ExperimentException($"The output folder '{study.Output}' is not empty and holds no {LabelEfficiencyExperiment.SettingsFile}; choose an empty or new folder.");
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
            var now = StudyPlan.RunSettings(o, study, run);
            var (setting, before, after) = StudyPlan.FirstDifference(recorded, now);
            throw new ExperimentException(
                $"The output folder '{study.Output}' holds a finished run '{run}' made with another value of the setting '{setting}' " +
                $"({before} there, {after} now). Adding sizes, methods or repeats reuses finished runs; other settings cannot change within one study folder: use a new folder, or delete the old one.")
            { Setting = setting };
        }
    }

    /// <summary>
    /// Writes the settings record and the splits, each only when its content changes: job-array tasks of one study
    /// find them already written (by the first task or by <see cref="LabelEfficiencyExperiment.Prepare"/>) and leave them alone.
    /// </summary>
    private static void WriteSettings(ExperimentOptions o, Study study)
    {
        Directory.CreateDirectory(study.Output);
        var record = new JsonObject { ["format_version"] = 2, ["settings"] = StudyPlan.SettingsJson(o, study.Dataset) };
        string settingsPath = Path.Combine(study.Output, LabelEfficiencyExperiment.SettingsFile);
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

    /// <summary>The splits saved at <paramref name="path"/>, or null when they cannot be read.</summary>
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

    /// <summary>Whether <paramref name="a"/> holds the same splits as <paramref name="b"/>.</summary>
    private static bool SameSplits(CaseSplits? a, CaseSplits b) =>
        a is not null && a.Seed == b.Seed && a.ValidationCount == b.ValidationCount && a.Unlabeled.SequenceEqual(b.Unlabeled) &&
        a.Validation.SequenceEqual(b.Validation) && a.LabeledOrder.SequenceEqual(b.LabeledOrder) && a.Test.SequenceEqual(b.Test);
}
