using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.IO;
using ThighSeg.Torch;
using ThighSeg.Torch.Inference;
using ThighSeg.Torch.Training;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg pretrain --data MANIFEST --method pcl|gcl|simclr --out MODEL_DIR [--epochs E] [--steps-per-epoch N]
/// [--batch B] [--threshold T] [--filters F] [--size PX] [--spacing MM] [--embedding D] [--device D] [--seed S]</c>:
/// self-supervised encoder pretraining on the manifest's <c>unlabeled</c> subjects. Checkpoints every epoch in MODEL_DIR;
/// rerunning the same command resumes. See docs/training.md.
/// </summary>
internal static class PretrainCommand
{
    public static Command Create(TextWriter output)
    {
        var data = new Option<string>("--data") { Description = "Dataset manifest (manifest.csv).", Required = true };
        var method = new Option<string>("--method") { Description = "Contrastive method: pcl (positional), gcl (4 partitions) or simclr.", DefaultValueFactory = _ => "pcl" };
        method.AcceptOnlyFromAmong("pcl", "gcl", "simclr");
        var outDir = new Option<string>("--out") { Description = "Output folder for checkpoint and encoder model.", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => 30 };
        var steps = new Option<int>("--steps-per-epoch") { Description = "Steps per epoch (0: one pass over all slices).", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch") { Description = "Slices per batch (each gives two views).", DefaultValueFactory = _ => 16 };
        var threshold = new Option<double>("--threshold") { Description = "PCL: positional threshold theta in (0, 1].", DefaultValueFactory = _ => 0.1 };
        var common = CommonTrainingOptions.Create();
        var cmd = new Command("pretrain", "Pretrain a U-Net encoder on unlabelled subjects with positional contrastive learning (or GCL / SimCLR).");
        foreach (var o in new Option[] { data, method, outDir, epochs, steps, batch, threshold })
        {
            cmd.Options.Add(o);
        }
        common.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var m = parse.GetValue(method) switch { "gcl" => ContrastiveMethod.Gcl, "simclr" => ContrastiveMethod.SimClr, _ => ContrastiveMethod.Pcl };
            PretrainOptions options;
            try
            {
                int spe = parse.GetValue(steps);
                options = new PretrainOptions(m, common.Network(parse), embeddingDim: parse.GetValue(common.Embedding), epochs: parse.GetValue(epochs),
                    stepsPerEpoch: spe == 0 ? null : spe, batchSize: parse.GetValue(batch), threshold: parse.GetValue(threshold), augmentation: common.Augmentation(parse),
                    seed: parse.GetValue(common.Seed), logInterval: 20);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message, ex);
            }
            var prep = common.Preprocessing(parse);
            var dataset = CommonTrainingOptions.OpenDataset(parse.GetValue(data)!);
            var subjects = dataset.SubjectsIn(DatasetSplit.Unlabeled);
            if (subjects.Count == 0)
            {
                throw new ThighSegException($"{parse.GetValue(data)} has no 'unlabeled' subjects; self-supervised pretraining needs unlabelled scans.");
            }
            output.WriteLine($"pretrain {m}: {subjects.Count} unlabelled subjects, preparing slices...");
            var stacks = CommonTrainingOptions.Prepare(dataset, subjects, prep, withLabels: false);
            var pretrainer = new ContrastivePretrainer(options, CommonTrainingOptions.Device(parse, common)) { Preprocessing = CommonTrainingOptions.PreprocessingJson(prep) };
            var result = pretrainer.Pretrain(stacks, parse.GetValue(outDir)!, CommonTrainingOptions.Reporter(output));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pretrained encoder: {Path.GetFullPath(result.ModelDirectory)} ({result.Steps} steps, final loss {result.FinalLoss:F4}{(result.Resumed ? ", resumed" : "")})"));
            if (result.LikelyCollapsed)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"warning: the pretraining collapsed (final loss {result.FinalLoss:F3} = {result.CollapseLoss:F3}, the loss of identical embeddings); the encoder learned nothing useful. Try --norm batch or another --seed."));
            }
            return CliApp.ExitOk;
        });
        return cmd;
    }
}

/// <summary>The <c>--encoder-lr-scale</c> option of the fine-tuning verbs.</summary>
internal static class EncoderLearningRateOption
{
    public static Option<double> Create() => new("--encoder-lr-scale")
    {
        Description = "Encoder learning rate relative to the decoder's, in [0, 1] (1: train all layers alike; 0: freeze the encoder).",
        DefaultValueFactory = _ => 1.0,
    };
}

/// <summary>Options and helpers shared by <c>pretrain</c> and <c>finetune</c>.</summary>
internal sealed class CommonTrainingOptions
{
    public Option<int> Filters { get; } = new("--filters") { Description = "U-Net base filters F (channels F, 2F, 4F, 8F, centre 16F).", DefaultValueFactory = _ => 8 };
    public Option<int> Size { get; } = new("--size") { Description = "Network slice size in pixels (a multiple of 16).", DefaultValueFactory = _ => 64 };
    public Option<double> Spacing { get; } = new("--spacing") { Description = "In-plane pixel spacing of network slices, mm.", DefaultValueFactory = _ => 3.0 };
    public Option<string> Norm { get; } = new Option<string>("--norm") { Description = "Normalisation after each convolution: batch (the reference design) or instance.", DefaultValueFactory = _ => "batch" }.AcceptOnlyFromAmong("batch", "instance");
    public Option<double> Flip { get; } = new("--flip") { Description = "Probability of each random flip (left-right, anterior-posterior) in training augmentation; 0 keeps the canonical orientation.", DefaultValueFactory = _ => new AugmentationOptions().FlipProbability };
    public Option<int> Embedding { get; } = new("--embedding") { Description = "Projection size D (pretraining).", DefaultValueFactory = _ => 128 };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed; the same seed reproduces a CPU run.", DefaultValueFactory = _ => 0 };
    public Option<string> DeviceOpt { get; } = DeviceOption.Create();

    public static CommonTrainingOptions Create() => new();

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Filters, Norm, Size, Spacing, Flip, Embedding, Seed, DeviceOpt })
        {
            cmd.Options.Add(o);
        }
    }

    public UNetOptions Network(ParseResult parse) =>
        new(baseFilters: parse.GetValue(Filters), depth: 4, norm: parse.GetValue(Norm) == "instance" ? NormKind.Instance : NormKind.Batch);

    /// <summary>Training augmentation: the reference recipe with the <c>--flip</c> probability.</summary>
    public AugmentationOptions Augmentation(ParseResult parse) => new(flipProbability: parse.GetValue(Flip));

    public PreprocessingOptions Preprocessing(ParseResult parse)
    {
        try
        {
            var p = new PreprocessingOptions { TargetSize = parse.GetValue(Size), TargetSpacingMm = parse.GetValue(Spacing) };
            p.Validate();
            if (p.TargetSize % 16 != 0)
            {
                throw new UsageException($"--size must be a multiple of 16, got {p.TargetSize}.");
            }
            return p;
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message, ex);
        }
    }

    public static ComputeDevice Device(ParseResult parse, CommonTrainingOptions common) => DeviceOption.Get(parse, common.DeviceOpt);

    public static Dataset OpenDataset(string manifest)
    {
        if (!File.Exists(manifest))
        {
            throw new UsageException($"--data: manifest not found: {manifest}");
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

    /// <summary>Reads a model's preprocessing description; null when the model has none.</summary>
    /// <exception cref="ModelFormatException">The description is invalid.</exception>
    public static PreprocessingOptions? PreprocessingFrom(JsonObject? json, string source = "model") =>
        json is null ? null : VolumeSegmenter.ReadPreprocessing(json, source);

    /// <summary>One line per report: epoch, step, loss, learning rate, elapsed time and ETA.</summary>
    public static IProgress<TrainingProgress> Reporter(TextWriter output) => new LineProgress(output);

    private sealed class LineProgress(TextWriter output) : IProgress<TrainingProgress>
    {
        private long _firstStep = -1;

        public void Report(TrainingProgress p)
        {
            if (_firstStep < 0)
            {
                _firstStep = p.Step;
            }
            long done = p.Step - _firstStep;
            string eta = done > 0 ? TimeSpan.FromSeconds(p.Elapsed.TotalSeconds / done * (p.TotalSteps - p.Step)).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "--:--:--";
            string what = p.ValidationDice is double d ? string.Create(CultureInfo.InvariantCulture, $"validation Dice {d:F4}") : string.Create(CultureInfo.InvariantCulture, $"loss {p.Loss:F4} lr {p.LearningRate:G3}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{p.Phase}] epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.TotalSteps} ({100.0 * p.Step / Math.Max(1, p.TotalSteps):F0}%) {what} elapsed {p.Elapsed:hh\\:mm\\:ss} eta {eta}"));
        }
    }
}
