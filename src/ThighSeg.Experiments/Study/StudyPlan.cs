using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Inference;

namespace ThighSeg.Experiments;

/// <summary>
/// The pure part of a study: its run list, the seeds of its repeats and runs, and the settings each run depends on
/// with their fingerprints. Depends on the options (and the dataset) only; touches no file.
/// </summary>
internal static class StudyPlan
{
    /// <summary>
    /// The study's runs in execution order: one pretraining per self-supervised method without a given encoder, then
    /// the fine-tunings by repeat, size and method.
    /// </summary>
    internal static IReadOnlyList<StudyRun> Create(ExperimentOptions o)
    {
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

    /// <summary>The seed of the splits of repeat <paramref name="repeat"/>.</summary>
    internal static int RepeatSeed(ExperimentOptions o, int repeat) => unchecked((o.Seed * 7919) + (repeat * 104729) + 17);

    /// <summary>The fine-tuning seed of the run of <paramref name="repeat"/> and <paramref name="size"/>.</summary>
    internal static int RunSeed(ExperimentOptions o, int repeat, int size) => unchecked((RepeatSeed(o, repeat) * 31) + size);

    /// <summary>
    /// The fine-tuning options of the run <paramref name="key"/>: the study's, with the run's seed and the budget fixed
    /// for its <see cref="RunKey.Size"/> training subjects (<see cref="FineTuneOptions.ForTrainingSubjects"/>), so
    /// that what the run records and fingerprints is what trains.
    /// </summary>
    internal static FineTuneOptions FineTuneOptionsOf(ExperimentOptions o, RunKey key) =>
        LabelEfficiencyExperiment.WithSeed(o.FineTune.ForTrainingSubjects(key.Size), RunSeed(o, key.Repeat, key.Size));

    /// <summary>
    /// The settings one run depends on, and nothing else: the study's seed, the dataset, preprocessing (a pretraining's
    /// own grid, <see cref="ExperimentOptions.PretrainPreprocessing"/>), and the
    /// pretraining options (a pretraining) or the fine-tuning options with the run's seed, its method, size, repeat,
    /// validation count, prediction options and the encoder it starts from (a fine-tuning). The fingerprint of a
    /// fine-tuning's pretraining must already be in <see cref="Study.Fingerprints"/>.
    /// </summary>
    internal static JsonObject RunSettings(ExperimentOptions o, Study study, StudyRun run)
    {
        var settings = new JsonObject
        {
            ["seed"] = o.Seed,
            ["method"] = run.Method.Name(),
        };
        if (run.Kind == StudyRunKind.Pretrain)
        {
            settings["pretrain"] = ModelArtifact.OptionsJson(LabelEfficiencyExperiment.WithMethod(o.Pretrain, run.Method.Contrastive()!.Value));
            settings["preprocessing"] = VolumeSegmenter.PreprocessingJson(o.PretrainPreprocessing);
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
            settings["finetune"] = ModelArtifact.OptionsJson(FineTuneOptionsOf(o, key));
            settings["preprocessing"] = VolumeSegmenter.PreprocessingJson(o.Preprocessing);
        }
        settings["dataset"] = DatasetJson(study.Dataset);
        return settings;
    }

    /// <summary>The fingerprint of <paramref name="settings"/>: the first 24 hex digits of the SHA-256 of their compact JSON.</summary>
    internal static string Fingerprint(JsonObject settings) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(settings.ToJsonString())))[..24].ToLowerInvariant();

    /// <summary>The first setting (dotted path) whose value differs, with both values.</summary>
    internal static (string Setting, string Before, string After) FirstDifference(JsonObject before, JsonObject after)
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

    /// <summary>The settings of the whole study, as written into the settings record and the provenance.</summary>
    internal static JsonObject SettingsJson(ExperimentOptions o, Dataset dataset)
    {
        var settings = new JsonObject
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
        if (o.PretrainPreprocessing != o.Preprocessing)
        {
            // Only when used, so that the records of studies before the option still compare equal.
            settings["pretrain_preprocessing"] = VolumeSegmenter.PreprocessingJson(o.PretrainPreprocessing);
        }
        return settings;
    }

    /// <summary>Calls <paramref name="add"/> with the dotted path and compact JSON of every leaf of <paramref name="node"/>.</summary>
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

    private static JsonObject DatasetJson(Dataset dataset) => new()
    {
        ["manifest"] = string.Join("\n", dataset.Manifest.Entries.Select(e => $"{e.Subject},{e.ImagePath},{e.LabelPath},{e.Split}")),
        ["labels"] = dataset.Labels.ToJson(),
    };
}
