using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using ThighSeg.Cli.Options;
using ThighSeg.Cli.Reports;
using ThighSeg.Core.Data;
using ThighSeg.Experiments;

namespace ThighSeg.Cli.Commands;

/// <summary><c>thighseg experiment</c>: the label-efficiency study (pretrain once, fine-tune at every size and method, evaluate, report).</summary>
internal static class ExperimentCommand
{
    public static Command Create(TextWriter output)
    {
        var flags = new ExperimentFlags();
        var list = new Option<bool>("--list") { Description = "List the study's runs (index, kind, method, size, repeat, the pretraining run it needs) and exit; pretrainings come first." };
        var runIndex = new Option<int?>("--run-index") { Description = "Execute only run N of --list (one job-array task); a finished run is skipped." };
        var wait = new Option<double>("--wait") { Description = "With --run-index: seconds a fine-tuning waits for the pretraining it needs to finish (0: fail at once, naming that run).", DefaultValueFactory = _ => 0 };
        var collect = new Option<bool>("--collect") { Description = "Write the reports from the runs that are complete, and name the runs that are missing (exit code 1 when any is)." };

        var cmd = new Command("experiment", "Label-efficiency study: pretrain each self-supervised method once on the unlabeled subjects, fine-tune every method at every labelled-set size, evaluate on the test subjects, and write tables, statistics, a plot and montages. --list, --run-index and --collect spread a study over a job array (see sbatch-experiment).");
        foreach (var o in flags.All.Concat([list, runIndex, wait, collect]))
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse =>
        {
            int modes = (parse.GetValue(list) ? 1 : 0) + (parse.GetValue(runIndex) is null ? 0 : 1) + (parse.GetValue(collect) ? 1 : 0);
            if (modes > 1)
            {
                throw new UsageException("--list, --run-index and --collect exclude each other; give one of them.");
            }
            double waitSeconds = parse.GetValue(wait);
            if (!double.IsFinite(waitSeconds) || waitSeconds < 0 || waitSeconds > 7 * 24 * 3600)
            {
                throw new UsageException($"--wait {waitSeconds}: expected seconds in [0, 604800].");
            }
            var options = flags.Bind(parse);
            var experiment = new LabelEfficiencyExperiment(options);
            if (parse.GetValue(list))
            {
                WriteList(output, experiment.Plan());
                return CliApp.ExitOk;
            }
            var dataset = flags.OpenData(parse);
            (options, var preprocessingPlan) = flags.Configure(parse, options, dataset, output);
            if (options.PretrainPreprocessing is var frame && frame != options.Preprocessing &&
                options.Methods.Any(m => m != InitMethod.Rnd && !options.PretrainedEncoders.ContainsKey(m)))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"pretraining grid ({flags.PretrainDownsample.Name}): {frame.TargetSize} px at {frame.TargetSpacingMm:0.###} mm; fine-tuning and evaluation at {options.Preprocessing.TargetSize} px at {options.Preprocessing.TargetSpacingMm:0.###} mm"));
            }
            experiment = new LabelEfficiencyExperiment(options);
            string outDir = parse.GetValue(flags.Out)!;
            var console = ConsoleProgress.Console(output);
            try
            {
                if (parse.GetValue(runIndex) is int index)
                {
                    var plan = experiment.Plan();
                    if (index < 0 || index >= plan.Count)
                    {
                        throw new UsageException($"--run-index {index}: the study has {plan.Count} runs (0 to {plan.Count - 1}; see --list).");
                    }
                    bool worked = ConsoleProgress.Run(console, p => experiment.RunOne(dataset, outDir, index, TimeSpan.FromSeconds(waitSeconds), p));
                    console.WriteLine($"run {index} ({plan[index]}): {(worked ? "done" : "already complete, skipped")}");
                    return CliApp.ExitOk;
                }
                if (parse.GetValue(collect))
                {
                    var collected = experiment.Collect(dataset, outDir);
                    string collectedPlot = Path.Combine(collected.OutputDirectory, "efficiency.png");
                    ResultPlots.Write(collectedPlot, options, collected.Summary);
                    WriteSummary(console, options, collected, collectedPlot);
                    if (collected.Missing.Count > 0)
                    {
                        foreach (var m in collected.Missing)
                        {
                            console.WriteLine($"missing: run {m.Index} ({m})");
                        }
                        console.WriteLine($"{collected.Missing.Count} run(s) missing: the reports cover the complete runs only; run the missing ones with --run-index and collect again.");
                        return CliApp.ExitFailure;
                    }
                    return CliApp.ExitOk;
                }
                var result = ConsoleProgress.Run(console, p => experiment.Run(dataset, outDir, p));
                if (preprocessingPlan is not null)
                {
                    // After the run: the experiment has checked that the folder holds results of these settings only.
                    TrainingData.WritePlan(Path.Combine(result.OutputDirectory, "plan.json"), options.Preprocessing, preprocessingPlan);
                }
                string plot = Path.Combine(result.OutputDirectory, "efficiency.png");
                ResultPlots.Write(plot, options, result.Summary);
                WriteSummary(console, options, result, plot);
                return CliApp.ExitOk;
            }
            catch (ExperimentException ex) when (ex.Setting is not null || ex.PendingRun is not null)
            {
                throw new ThighSeg.Core.ThighSegException(MapToFlags(ex), ex);
            }
        });
        return cmd;
    }

    /// <summary>One line per run: index, kind, method, size, repeat, and the pretraining it needs (<c>-</c> for none).</summary>
    internal static void WriteList(TextWriter output, IReadOnlyList<StudyRun> plan)
    {
        output.WriteLine("# index kind method size repeat after");
        foreach (var r in plan)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Index} {(r.Kind == StudyRunKind.Pretrain ? "pretrain" : "finetune")} {r.Method.Name()} {(r.Size?.ToString(CultureInfo.InvariantCulture) ?? "-")} {(r.Repeat?.ToString(CultureInfo.InvariantCulture) ?? "-")} {(r.DependsOn?.ToString(CultureInfo.InvariantCulture) ?? "-")}"));
        }
    }

    /// <summary>The library's message with the flag that sets the named setting, where there is one.</summary>
    internal static string MapToFlags(ExperimentException ex)
    {
        string? flag = ex.Setting switch
        {
            null => null,
            nameof(ExperimentOptions.Sizes) or "size" => "--sizes",
            "seed" => "--seed",
            "validation_count" => "--validation",
            "flip_tta" => "--tta",
            "keep_largest_component" => "--largest-component",
            "encoder" => "--pretrained",
            var s when s.StartsWith("preprocessing", StringComparison.Ordinal) => "--size/--spacing",
            var s when s.StartsWith("dataset", StringComparison.Ordinal) => "--data",
            var s when s.StartsWith("pretrain.", StringComparison.Ordinal) => "a --pretrain-* or network flag",
            "finetune.Schedule.StepsPerEpoch" => "--finetune-steps, or --scale-steps-above at this size",
            var s when s.StartsWith("finetune.", StringComparison.Ordinal) => "a --finetune-* or network flag",
            _ => null,
        };
        string message = ex.Message;
        if (flag is not null)
        {
            message += $" (set by {flag})";
        }
        if (ex.PendingRun is int pending)
        {
            message += $" Submit the fine-tunings after the pretrainings (sbatch --dependency=afterok), or give --wait SECONDS; run {pending} is: thighseg experiment ... --run-index {pending}.";
        }
        return message;
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
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Method.Name()} vs rnd at S={c.Size}: {c.MeanDice:F3} vs {c.MeanDiceRandom:F3}, difference {ExperimentReport.SignedDifference(c.MeanDice - c.MeanDiceRandom)} (bootstrap 95% CI {ExperimentReport.SignedDifference(c.DifferenceInterval.Lower)} to {ExperimentReport.SignedDifference(c.DifferenceInterval.Upper)}), Wilcoxon p = {c.PValue:G3} ({c.Subjects} subjects)"));
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
    internal static void WriteWarnings(IAnsiConsole console, ExperimentResult result, string frameRemedy = FrameWarning.TrainingRemedy)
    {
        foreach (string w in result.Warnings)
        {
            LibraryWarning.Write(console, w, frameRemedy);
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
            throw new UsageException($"--methods {text}: {Flag.Reason(ex)}");
        }
    }

    internal static Dictionary<InitMethod, string> ParsePretrained(string[]? values)
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
