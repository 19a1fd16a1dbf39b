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
        var data = new Option<string>("--data", "-i") { Description = "The dataset's manifest.csv (columns subject,image,label,split).", Required = true };
        var outDir = new Option<string>("--out", "-o") { Description = "Output folder (created; rerunning the same command resumes it).", Required = true };
        var sizes = new Option<string>("--sizes") { Description = "Labelled-set sizes S, comma-separated.", DefaultValueFactory = _ => "1,2,5,10,20,30,40" };
        var methods = new Option<string>("--methods") { Description = "Initialisations to compare: rnd, pcl, gcl, simclr (comma-separated).", DefaultValueFactory = _ => "rnd,pcl" };
        var repeats = new Option<int>("--repeats") { Description = "Different seeded draws of the labelled subjects per size.", DefaultValueFactory = _ => 1 };
        var pretrained = new Option<string[]>("--pretrained") { Description = "Reuse an existing pretrained encoder instead of pretraining: METHOD=MODEL_DIR (repeatable).", AllowMultipleArgumentsPerToken = true };
        var network = new NetworkFlags();
        var pretrain = new PretrainFlags("pretrain-");
        var finetune = new FinetuneFlags("finetune-");
        var tta = new Option<bool>("--tta") { Description = "Flip test-time augmentation when predicting the test subjects (the default; kept for old scripts)." };
        var noTta = new Option<bool>("--no-tta") { Description = "Turn off flip test-time augmentation in the evaluation (on by default, as in predict)." };
        var largest = new Option<bool>("--largest-component") { Description = "Keep only the largest connected component of each label per thigh." };

        var cmd = new Command("experiment", "Label-efficiency study: pretrain each self-supervised method once on the unlabeled subjects, fine-tune every method at every labelled-set size, evaluate on the test subjects, and write tables, statistics, a plot and montages.");
        foreach (var o in new Option[] { data, outDir, sizes, methods, repeats, pretrained, tta, noTta, largest }.Concat(pretrain.All).Concat(finetune.All).Concat(network.All))
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse =>
        {
            int repeatCount = parse.GetValue(repeats);
            if (parse.GetValue(tta) && parse.GetValue(noTta))
            {
                throw new UsageException("--tta and --no-tta contradict each other; flip TTA is on by default.");
            }
            var pretrainOptions = pretrain.Bind(parse, network);
            var fineTuneOptions = finetune.Bind(parse, network);
            var dataset = TrainingData.Open(data.Name, parse.GetValue(data)!);
            var (preprocessing, net, plan) = network.Configure(parse, dataset, output);
            pretrainOptions = pretrainOptions with { Network = net };
            fineTuneOptions = fineTuneOptions with { Network = net };
            int validationCount = finetune.ValidationCount(parse);
            var options = Flag.Bind(repeats, repeatCount, "repeats", () => new ExperimentOptions(
                ParseSizes(parse.GetValue(sizes)!),
                ParseMethods(parse.GetValue(methods)!),
                repeatCount,
                pretrainOptions,
                fineTuneOptions,
                preprocessing,
                validationCount,
                network.SeedValue(parse),
                network.DeviceValue(parse),
                !parse.GetValue(noTta),
                parse.GetValue(largest),
                ParsePretrained(parse.GetValue(pretrained))));
            var console = ConsoleProgress.Console(output);
            var result = ConsoleProgress.Run(console, p => new LabelEfficiencyExperiment(options).Run(dataset, parse.GetValue(outDir)!, p));
            if (plan is not null)
            {
                // After the run: the experiment has checked that the folder holds results of these settings only.
                TrainingData.WritePlan(Path.Combine(result.OutputDirectory, "plan.json"), preprocessing, plan);
            }
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
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Method.Name()} vs rnd at S={c.Size}: {c.MeanDice:F3} vs {c.MeanDiceRandom:F3}, difference {c.MeanDice - c.MeanDiceRandom:+0.000;-0.000} (bootstrap 95% CI {c.DifferenceInterval.Lower:+0.000;-0.000} to {c.DifferenceInterval.Upper:+0.000;-0.000}), Wilcoxon p = {c.PValue:G3} ({c.Subjects} subjects)"));
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
