using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using ThighSeg.Cli.Reports;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.IO;
using ThighSeg.Torch.Experiments;

namespace ThighSeg.Cli.Commands;

/// <summary><c>thighseg experiment</c>: the label-efficiency study (pretrain once, fine-tune at every size and method, evaluate, report).</summary>
internal static class ExperimentCommand
{
    public static Command Create(TextWriter output)
    {
        var data = new Option<string>("--data") { Description = "The dataset's manifest.csv (columns subject,image,label,split).", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder (created; rerunning the same command resumes it).", Required = true };
        var sizes = new Option<string>("--sizes") { Description = "Labelled-set sizes S, comma-separated.", DefaultValueFactory = _ => "1,2,5,10,20,30,40" };
        var methods = new Option<string>("--methods") { Description = "Initialisations to compare: rnd, pcl, gcl, simclr (comma-separated).", DefaultValueFactory = _ => "rnd,pcl" };
        var repeats = new Option<int>("--repeats") { Description = "Different seeded draws of the labelled subjects per size.", DefaultValueFactory = _ => 1 };
        var pretrained = new Option<string[]>("--pretrained") { Description = "Reuse an existing pretrained encoder instead of pretraining: METHOD=MODEL_DIR (repeatable).", AllowMultipleArgumentsPerToken = true };
        var budget = new TrainingBudget();

        var cmd = new Command("experiment", "Label-efficiency study: pretrain each self-supervised method once on the unlabeled subjects, fine-tune every method at every labelled-set size, evaluate on the test subjects, and write tables, statistics, a plot and montages.");
        foreach (var o in new Option[] { data, outDir, sizes, methods, repeats, pretrained })
        {
            cmd.Options.Add(o);
        }
        budget.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var options = TrainingBudget.Checked(() => new ExperimentOptions(
                ParseSizes(parse.GetValue(sizes)!),
                ParseMethods(parse.GetValue(methods)!),
                parse.GetValue(repeats),
                budget.Pretrain(parse),
                budget.FineTune(parse),
                budget.Preprocessing(parse),
                budget.ValidationCount(parse),
                budget.Seed(parse),
                budget.Device(parse),
                budget.FlipTta(parse),
                budget.LargestComponent(parse),
                ParsePretrained(parse.GetValue(pretrained))));
            var dataset = CommonTrainingOptions.OpenDataset(parse.GetValue(data)!);
            var console = ConsoleProgress.Console(output);
            var result = ConsoleProgress.Run(console, p => new LabelEfficiencyExperiment(options).Run(dataset, parse.GetValue(outDir)!, p));
            string plot = Path.Combine(result.OutputDirectory, "efficiency.png");
            ResultPlots.Write(plot, options, result.Summary);
            WriteSummary(console, options, result, plot);
            return CliApp.ExitOk;
        });
        return cmd;
    }

    internal static void WriteSummary(IAnsiConsole console, ExperimentOptions options, ExperimentResult result, string plot)
    {
        var table = new Table().Title("Test Dice (mean ± SD over test subjects)").AddColumn("S");
        foreach (var m in options.Methods)
        {
            table.AddColumn(new TableColumn(m.Name()).RightAligned());
        }
        foreach (int size in options.Sizes)
        {
            var cells = new List<string> { size.ToString(CultureInfo.InvariantCulture) };
            foreach (var m in options.Methods)
            {
                var row = result.Summary.FirstOrDefault(r => r.Method == m && r.Size == size && r.Label is null && r.Metric == "dice");
                cells.Add(row is null ? "–" : string.Create(CultureInfo.InvariantCulture, $"{row.Statistic.Mean:F3} ± {row.Statistic.StandardDeviation:F3}"));
            }
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        foreach (var c in result.Comparisons)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Method.Name()} vs rnd at S={c.Size}: {c.MeanDice:F3} vs {c.MeanDiceRandom:F3}, Wilcoxon p = {c.PValue:G3} ({c.Subjects} subjects)"));
        }
        console.WriteLine($"plot:       {plot}");
        foreach (var (name, path) in result.Files)
        {
            console.WriteLine($"{name + ":",-12}{path}");
        }
        WriteWarnings(console, result);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"finished in {TimeSpan.FromSeconds(result.Seconds):hh\\:mm\\:ss} ({result.Runs.Count(r => r.Reused)} of {result.Runs.Count} runs reused)"));
    }

    /// <summary>Prints the experiment's warnings (for example a collapsed pretraining).</summary>
    internal static void WriteWarnings(IAnsiConsole console, ExperimentResult result)
    {
        foreach (string w in result.Warnings)
        {
            console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        }
    }

    internal static IReadOnlyList<int> ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sizes = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int s) || s < 1)
            {
                throw new UsageException($"--sizes: '{p}' is not a positive integer (expected e.g. 1,2,5,10).");
            }
            sizes.Add(s);
        }
        if (sizes.Count == 0 || sizes.Distinct().Count() != sizes.Count)
        {
            throw new UsageException($"--sizes: expected distinct positive integers, got '{text}'.");
        }
        return sizes;
    }

    internal static IReadOnlyList<InitMethod> ParseMethods(string text)
    {
        try
        {
            var methods = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(InitMethods.Parse).ToList();
            if (methods.Count == 0 || methods.Distinct().Count() != methods.Count)
            {
                throw new UsageException($"--methods: expected distinct methods among rnd, pcl, gcl, simclr, got '{text}'.");
            }
            return methods;
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"--methods: {ex.Message}");
        }
    }

    private static Dictionary<InitMethod, string> ParsePretrained(string[]? values)
    {
        var result = new Dictionary<InitMethod, string>();
        foreach (var v in values ?? [])
        {
            int eq = v.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--pretrained: expected METHOD=MODEL_DIR, got '{v}'.");
            }
            InitMethod method;
            try
            {
                method = InitMethods.Parse(v[..eq]);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"--pretrained: {ex.Message}");
            }
            if (method == InitMethod.Rnd || !Directory.Exists(v[(eq + 1)..]))
            {
                throw new UsageException($"--pretrained: '{v}' must name pcl, gcl or simclr and an existing model folder.");
            }
            result[method] = v[(eq + 1)..];
        }
        return result;
    }
}

/// <summary>The experiment's training budgets, on top of the network, preprocessing, seed and device options shared with pretrain and finetune.</summary>
internal sealed class TrainingBudget
{
    private readonly Option<int> _pretrainEpochs = new("--pretrain-epochs") { Description = "Pretraining epochs.", DefaultValueFactory = _ => 300 };
    private readonly Option<int?> _pretrainSteps = new("--pretrain-steps") { Description = "Pretraining steps per epoch (default: one pass over the slices)." };
    private readonly Option<int> _pretrainBatch = new("--pretrain-batch") { Description = "Slices per pretraining batch (two views each).", DefaultValueFactory = _ => 32 };
    private readonly Option<double> _threshold = new("--threshold") { Description = "PCL positive threshold theta on |p_i - p_j|.", DefaultValueFactory = _ => 0.1 };
    private readonly Option<int> _finetuneEpochs = new("--finetune-epochs") { Description = "Fine-tuning epochs.", DefaultValueFactory = _ => 100 };
    private readonly Option<int?> _finetuneSteps = new("--finetune-steps") { Description = "Fine-tuning steps per epoch (default: one pass over the slices)." };
    private readonly Option<int> _finetuneBatch = new("--finetune-batch") { Description = "Slices per fine-tuning batch.", DefaultValueFactory = _ => 10 };
    private readonly Option<double> _lr = new("--finetune-lr") { Description = "Fine-tuning (Adam) learning rate.", DefaultValueFactory = _ => 1e-3 };
    private readonly Option<double> _encoderLr = EncoderLearningRateOption.Create();
    private readonly CommonTrainingOptions _common = CommonTrainingOptions.Create();
    private readonly Option<int> _validation = new("--validation") { Description = "Train subjects held out for model selection.", DefaultValueFactory = _ => 1 };
    private readonly Option<bool> _tta = new("--tta") { Description = "Flip test-time augmentation when predicting (for models trained with --flip > 0)." };
    private readonly Option<bool> _largest = new("--largest-component") { Description = "Keep only the largest connected component of each label per thigh." };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { _pretrainEpochs, _pretrainSteps, _pretrainBatch, _threshold, _finetuneEpochs, _finetuneSteps, _finetuneBatch, _lr, _encoderLr, _validation, _tta, _largest })
        {
            cmd.Options.Add(o);
        }
        _common.AddTo(cmd);
    }

    public UNetOptions Network(ParseResult p) => Checked(() => _common.Network(p));

    public PretrainOptions Pretrain(ParseResult p) => Checked(() => new PretrainOptions(
        network: Network(p), embeddingDim: p.GetValue(_common.Embedding), epochs: p.GetValue(_pretrainEpochs), stepsPerEpoch: p.GetValue(_pretrainSteps),
        batchSize: p.GetValue(_pretrainBatch), threshold: p.GetValue(_threshold), augmentation: _common.Augmentation(p), seed: Seed(p), logInterval: 20));

    public FineTuneOptions FineTune(ParseResult p) => Checked(() => new FineTuneOptions(
        network: Network(p), epochs: p.GetValue(_finetuneEpochs), stepsPerEpoch: p.GetValue(_finetuneSteps),
        batchSize: p.GetValue(_finetuneBatch), learningRate: p.GetValue(_lr), minLearningRate: p.GetValue(_lr) / 100,
        augmentation: _common.Augmentation(p), seed: Seed(p), logInterval: 20)
    {
        EncoderLearningRateScale = p.GetValue(_encoderLr),
    });

    public PreprocessingOptions Preprocessing(ParseResult p) => _common.Preprocessing(p);

    public int Seed(ParseResult p) => p.GetValue(_common.Seed);

    public Torch.ComputeDevice Device(ParseResult p) => CommonTrainingOptions.Device(p, _common);

    public int ValidationCount(ParseResult p) => p.GetValue(_validation);

    public bool FlipTta(ParseResult p) => p.GetValue(_tta);

    public bool LargestComponent(ParseResult p) => p.GetValue(_largest);

    /// <summary>Runs <paramref name="build"/>, turning option validation errors into usage errors (exit code 2).</summary>
    public static T Checked<T>(Func<T> build)
    {
        try
        {
            return build();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }
    }
}
