using System.Text.Json.Nodes;
using Spectre.Console;
using ThighSeg.Cli.Reports;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.IO;
using ThighSeg.Experiments;
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

    public static List<SliceStack> Prepare(Dataset dataset, IEnumerable<string> subjects, PreprocessingOptions options, bool withLabels)
    {
        var prep = new Preprocessor(options);
        var stacks = new List<SliceStack>();
        foreach (string s in subjects)
        {
            var loaded = dataset.Load(s);
            if (withLabels && loaded.Labels is null)
            {
                throw new ThighSegException($"Subject '{s}' has no label file; fine-tuning needs labelled subjects.");
            }
            stacks.AddRange(prep.Prepare(loaded.Image, withLabels ? loaded.Labels : null, s).Stacks);
        }
        return stacks;
    }

    /// <summary>The preprocessing description stored in model manifests (one format, owned by <see cref="VolumeSegmenter"/>).</summary>
    public static JsonObject PreprocessingJson(PreprocessingOptions p) => VolumeSegmenter.PreprocessingJson(p);

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
