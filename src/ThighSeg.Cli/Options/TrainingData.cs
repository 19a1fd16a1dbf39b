using System.Text.Json.Nodes;
using Spectre.Console;
using ThighSeg.Cli.Reports;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Experiments;
using ThighSeg.IO;
using ThighSeg.Torch.Inference;

namespace ThighSeg.Cli.Options;

/// <summary>Dataset input of the training verbs: opening the manifest, preparing subjects, and training progress.</summary>
internal static class TrainingData
{
    /// <summary>Opens the dataset named by <paramref name="flag"/>.</summary>
    /// <exception cref="UsageException">The manifest does not exist.</exception>
    public static Dataset Open(string flag, string manifest)
    {
        if (!File.Exists(manifest))
        {
            throw new UsageException($"{flag} {manifest}: manifest not found.");
        }
        return Dataset.Open(manifest, new VolumeFormatsSource());
    }

    /// <summary>
    /// Prepares <paramref name="subjects"/> for training and writes one warning to <paramref name="output"/> when a thigh
    /// is larger than the network frame (its edges would be cropped from training without a word).
    /// </summary>
    public static List<SliceStack> Prepare(Dataset dataset, IEnumerable<string> subjects, PreprocessingOptions options, bool withLabels, TextWriter output)
    {
        var prep = new Preprocessor(options);
        var stacks = new List<SliceStack>();
        var cropped = new List<string>();
        foreach (string s in subjects)
        {
            var loaded = dataset.Load(s);
            if (withLabels && loaded.Labels is null)
            {
                throw new ThighSegException($"Subject '{s}' has no label file; fine-tuning needs labelled subjects.");
            }
            var prepared = prep.Prepare(loaded.Image, withLabels ? loaded.Labels : null, s);
            if (prepared.CropWarning is string w)
            {
                cropped.Add(w);
            }
            stacks.AddRange(prepared.Stacks);
        }
        FrameWarning.Write(output, cropped, "subject(s)", "trained on", FrameWarning.TrainingRemedy);
        return stacks;
    }

    /// <summary>
    /// The key, in an encoder manifest's preprocessing section, of the coarser grid it was pretrained on
    /// (<c>pretrain --downsample</c>): <c>{"downsampling": N, "TargetSize": ..., "TargetSpacingMm": ...}</c>. The
    /// section itself describes the grid fine-tuning from the encoder uses; readers of preprocessing ignore the key.
    /// </summary>
    public const string PretrainingGridKey = "pretraining_grid";

    /// <summary>The preprocessing description stored in model manifests (one format, owned by <see cref="VolumeSegmenter"/>),
    /// with the plan that chose it under <c>plan</c> when there is one (readers ignore it; old manifests have none).</summary>
    public static JsonObject PreprocessingJson(PreprocessingOptions p, PreprocessingPlan? plan = null)
    {
        var json = VolumeSegmenter.PreprocessingJson(p);
        if (plan is not null)
        {
            json["plan"] = plan.ToJson();
        }
        return json;
    }

    /// <summary>
    /// The data fingerprint of every subject that may train (unlabelled and train splits; never test), measured with
    /// <paramref name="options"/>' thigh split, body threshold and percentiles.
    /// </summary>
    public static DataFingerprint Fingerprint(Dataset dataset, PreprocessingOptions options)
    {
        var prep = new Preprocessor(options);
        var subjects = dataset.SubjectsIn(DatasetSplit.Unlabeled).Concat(dataset.SubjectsIn(DatasetSplit.Train)).ToList();
        if (subjects.Count == 0)
        {
            throw new ThighSegException("The manifest has no unlabeled or train subjects to plan the preprocessing from.");
        }
        return DataFingerprint.From(subjects.Select(s => prep.Measure(dataset.Load(s).Image, s)));
    }

    /// <summary>Writes the plan (and the preprocessing it produced) as JSON, atomically.</summary>
    public static void WritePlan(string path, PreprocessingOptions options, PreprocessingPlan plan) =>
        AtomicFile.WriteAllText(path, PreprocessingJson(options, plan).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));

    /// <summary>Runs one training with a progress bar on a terminal (plain lines when redirected).</summary>
    public static T WithProgress<T>(IAnsiConsole console, string stage, Func<IProgress<TrainingProgress>, T> train) =>
        ConsoleProgress.Run(console, p =>
        {
            p.Report(new ExperimentProgress(stage, 0, 1));
            var result = train(new SynchronousProgress<TrainingProgress>(t => p.Report(new ExperimentProgress(stage, 0, 1, t))));
            p.Report(new ExperimentProgress($"done {stage}", 1, 1));
            return result;
        });
}
