using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using ThighSeg.Cli.Reports;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Torch.Experiments;
using ThighSeg.Torch.Inference;
using ThighSeg.Torch.Training;

namespace ThighSeg.Cli.Commands;

/// <summary><c>thighseg pretrain</c> and <c>thighseg finetune</c>: the two training steps on the dataset contract.</summary>
internal static class TrainCommands
{
    public static Command Pretrain(TextWriter output)
    {
        var data = new Option<string>("--data") { Description = "The dataset's manifest.csv; its 'unlabeled' subjects are used.", Required = true };
        var method = new Option<string>("--method") { Description = "pcl, gcl or simclr.", DefaultValueFactory = _ => "pcl" };
        method.AcceptOnlyFromAmong("pcl", "gcl", "simclr");
        var outDir = new Option<string>("--out") { Description = "Model folder for the pretrained encoder (checkpoints there; rerun to resume).", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => 300 };
        var steps = new Option<int?>("--steps") { Description = "Steps per epoch (default: one pass over the slices)." };
        var batch = new Option<int>("--batch") { Description = "Slices per batch (two views each).", DefaultValueFactory = _ => 32 };
        var threshold = new Option<double>("--threshold") { Description = "PCL positive threshold theta on |p_i - p_j|.", DefaultValueFactory = _ => 0.1 };
        var net = new NetworkSpace();
        var device = DeviceOption.Create();
        var seed = new Option<int>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("pretrain", "Pretrain a U-Net encoder on the unlabeled subjects with positional (pcl), global (gcl) or SimCLR contrastive learning.");
        foreach (var o in new Option[] { data, method, outDir, epochs, steps, batch, threshold, device, seed })
        {
            cmd.Options.Add(o);
        }
        net.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var options = TrainingBudget.Checked(() => new PretrainOptions(
                InitMethods.Parse(parse.GetValue(method)!).Contrastive()!.Value, net.Network(parse), epochs: parse.GetValue(epochs),
                stepsPerEpoch: parse.GetValue(steps), batchSize: parse.GetValue(batch), threshold: parse.GetValue(threshold), seed: parse.GetValue(seed)));
            var dataset = ExperimentCommand.OpenDataset(parse.GetValue(data)!);
            var subjects = dataset.SubjectsIn(DatasetSplit.Unlabeled);
            if (subjects.Count == 0)
            {
                throw new ThighSegException("The manifest has no unlabeled subjects to pretrain on (split 'unlabeled').");
            }
            var preprocessor = new Preprocessor(net.Preprocessing(parse));
            var stacks = subjects.SelectMany(s => { var l = dataset.Load(s); return preprocessor.Prepare(l.Image, null, s).Stacks; }).ToList();
            var console = ConsoleProgress.Console(output);
            var result = ConsoleProgress.Run(console, p => new ContrastivePretrainer(options, DeviceOption.Get(parse, device))
                .Pretrain(stacks, parse.GetValue(outDir)!, Stage(p, "pretrain")));
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pretrained encoder: {result.ModelDirectory} ({result.Steps} steps, final loss {result.FinalLoss:F4}{(result.Resumed ? ", resumed" : "")})"));
            return CliApp.ExitOk;
        });
        return cmd;
    }

    public static Command FineTune(TextWriter output)
    {
        var data = new Option<string>("--data") { Description = "The dataset's manifest.csv; labelled subjects come from its 'train' split.", Required = true };
        var labeled = new Option<int>("--labeled") { Description = "Number S of labelled train subjects to fine-tune on (drawn by seed).", Required = true };
        var init = new Option<string>("--init") { Description = "A pretrained encoder folder, or 'none' for random initialisation.", DefaultValueFactory = _ => "none" };
        var outDir = new Option<string>("--out") { Description = "Model folder (checkpoints and splits.json there; rerun to resume).", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => 100 };
        var steps = new Option<int?>("--steps") { Description = "Steps per epoch (default: one pass over the slices)." };
        var batch = new Option<int>("--batch") { Description = "Slices per batch.", DefaultValueFactory = _ => 10 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate (cosine decay to lr/100).", DefaultValueFactory = _ => 1e-3 };
        var validation = new Option<int>("--validation") { Description = "Train subjects held out for model selection.", DefaultValueFactory = _ => 1 };
        var net = new NetworkSpace();
        var device = DeviceOption.Create();
        var seed = new Option<int>("--seed") { Description = "Seed of the draw, initialisation and augmentation.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("finetune", "Fine-tune a U-Net on S labelled subjects, from a pretrained encoder or from random initialisation; the best epoch on held-out train subjects is kept.");
        foreach (var o in new Option[] { data, labeled, init, outDir, epochs, steps, batch, lr, validation, device, seed })
        {
            cmd.Options.Add(o);
        }
        net.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            string? encoder = parse.GetValue(init) is "none" or null ? null : parse.GetValue(init);
            if (encoder is not null && !Directory.Exists(encoder))
            {
                throw new UsageException($"--init: folder not found: {encoder} (use 'none' for random initialisation)");
            }
            int s = parse.GetValue(labeled);
            if (s < 1)
            {
                throw new UsageException($"--labeled: must be at least 1, got {s}.");
            }
            var preprocessing = net.Preprocessing(parse);
            var options = TrainingBudget.Checked(() => new FineTuneOptions(net.Network(parse), parse.GetValue(epochs), parse.GetValue(steps),
                parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(lr) / 100, seed: parse.GetValue(seed)));
            var dataset = ExperimentCommand.OpenDataset(parse.GetValue(data)!);
            string dir = Path.GetFullPath(parse.GetValue(outDir)!);
            Directory.CreateDirectory(dir);
            var splits = CaseSplits.LoadOrCreate(Path.Combine(dir, CaseSplits.FileName), dataset.Manifest, parse.GetValue(validation), parse.GetValue(seed));
            var trainSubjects = splits.LabeledSubset(s);
            var preprocessor = new Preprocessor(preprocessing);
            IReadOnlyList<SliceStack> Stacks(IEnumerable<string> subjects) =>
                [.. subjects.SelectMany(x => { var l = dataset.Load(x); return preprocessor.Prepare(l.Image, l.Labels, x).Stacks; })];
            var training = Stacks(trainSubjects);
            var validationStacks = Stacks(splits.Validation);
            var console = ConsoleProgress.Console(output);
            var result = ConsoleProgress.Run(console, p => new UNetSegmenter(options, DeviceOption.Get(parse, device)).FineTune(
                training, validationStacks, encoder, new ClassMap(dataset.Labels.Values, dataset.Labels.Names), dir, Stage(p, "finetune")));
            using (result.Model)
            {
                result.Model.Save(dir, VolumeSegmenter.PreprocessingJson(preprocessing));
            }
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model: {dir} (trained on {string.Join(", ", result.TrainingSubjects)}; best epoch {result.BestEpoch}, validation Dice {result.BestValidationDice?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/a"})"));
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static SynchronousProgress<TrainingProgress> Stage(IProgress<ExperimentProgress> progress, string stage) =>
        new(t => progress.Report(new ExperimentProgress(stage, 0, 1, t)));
}

/// <summary>Network and preprocessing options shared by pretrain and finetune (they must agree).</summary>
internal sealed class NetworkSpace
{
    private readonly Option<int> _filters = new("--filters") { Description = "U-Net base filters F (must match between pretrain and finetune).", DefaultValueFactory = _ => 32 };
    private readonly Option<int> _imageSize = new("--image-size") { Description = "Network input size in pixels per thigh.", DefaultValueFactory = _ => 128 };
    private readonly Option<double> _spacing = new("--spacing") { Description = "In-plane spacing of the network input in mm.", DefaultValueFactory = _ => 1.5 };

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(_filters);
        cmd.Options.Add(_imageSize);
        cmd.Options.Add(_spacing);
    }

    public UNetOptions Network(ParseResult p) => TrainingBudget.Checked(() => new UNetOptions(baseFilters: p.GetValue(_filters)));

    public PreprocessingOptions Preprocessing(ParseResult p) => TrainingBudget.Checked(() =>
    {
        var o = new PreprocessingOptions { TargetSize = p.GetValue(_imageSize), TargetSpacingMm = p.GetValue(_spacing) };
        o.Validate();
        return o;
    });
}
