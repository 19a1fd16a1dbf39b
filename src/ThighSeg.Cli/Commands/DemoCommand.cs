using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using ThighSeg.Cli.Reports;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Experiments;
using ThighSeg.IO;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg demo</c>: the whole method on a laptop CPU with no data — a phantom cohort, PCL pretraining, fine-tuning
/// with one labelled subject from PCL and from random initialisation, evaluation on held-out phantoms.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The demo's settings: sized to finish well within 15 minutes on two CPU cores (see docs/experiments.md).</summary>
    /// <param name="Unlabeled">Unlabelled phantoms for pretraining.</param>
    /// <param name="Labeled">Labelled train phantoms: the one the model is fine-tuned on plus the validation one(s).</param>
    /// <param name="Test">Held-out test phantoms.</param>
    /// <param name="Seed">Cohort and training seed.</param>
    /// <param name="PhantomSize">Phantom matrix size in pixels.</param>
    /// <param name="Preprocessing">Network-space preprocessing.</param>
    /// <param name="Pretrain">PCL pretraining budget.</param>
    /// <param name="FineTune">Fine-tuning budget.</param>
    /// <param name="ValidationCount">Train phantoms held out for model selection.</param>
    /// <param name="PretrainDownsampling">Pretraining grid factor: 1, the demo pretrains on its fine-tuning grid (the
    /// 64 px x 3 mm frame is already coarse; the default 2 is for planned, native-resolution frames).</param>
    internal sealed record DemoSettings(
        int Unlabeled, int Labeled, int Test, int Seed, int PhantomSize,
        PreprocessingOptions Preprocessing, PretrainOptions Pretrain, FineTuneOptions FineTune, int ValidationCount, int PretrainDownsampling)
    {
        public static DemoSettings Default { get; } = Create();

        private static DemoSettings Create()
        {
            // Budgets from the CPU step times in docs/training.md: about 3 min of PCL pretraining (method.md's recipe:
            // batch 32 slices, two views, 1,500 steps) and 2 x 1.5 min of fine-tuning on two idle cores, plus cohort
            // generation and evaluation: about 7 minutes. No flips (the AugmentationOptions default): they erase the
            // canonical medial/lateral orientation (docs/training.md). Instance norm: the configuration measured in
            // docs/experiments.md.
            // These are the shared defaults (the library's, which the CLI flags also use) except instance norm, the seed
            // and the pretraining grid.
            var network = new UNetOptions { Norm = NormKind.Instance };
            return new DemoSettings(
                Unlabeled: 12, Labeled: 2, Test: 4, Seed: 42, PhantomSize: 160,
                Preprocessing: new PreprocessingOptions { TargetSize = NetworkFlags.DefaultSize, TargetSpacingMm = NetworkFlags.DefaultSpacingMm },
                Pretrain: new PretrainOptions { Network = network, Schedule = PretrainOptions.DefaultSchedule with { Seed = 42 } },
                FineTune: new FineTuneOptions { Network = network, Schedule = FineTuneOptions.DefaultSchedule with { Seed = 42 } },
                ValidationCount: FinetuneFlags.DefaultValidation,
                PretrainDownsampling: 1);
        }

        public int Subjects => Unlabeled + Labeled + Test;

        /// <summary>These settings with <paramref name="performance"/> for pretraining and fine-tuning.</summary>
        public DemoSettings With(PerformanceOptions performance) =>
            this with { Pretrain = Pretrain with { Performance = performance }, FineTune = FineTune with { Performance = performance } };
    }

    public static Command Create(TextWriter output)
    {
        var outDir = new Option<string>("--out") { Description = "Output folder for the cohort, models and reports.", DefaultValueFactory = _ => "demo-output" };
        var device = DeviceOption.Create();
        var plan = new Option<string>("--plan") { Description = "off (the demo's fixed settings, the default) or auto (spacing, size and filters planned from the phantom cohort; slower).", DefaultValueFactory = _ => "off" };
        plan.AcceptOnlyFromAmong("auto", "off");
        var performance = new PerformanceFlags();
        var cmd = new Command("demo", "Run the whole method on a synthetic phantom cohort, no data needed: pretrain PCL, fine-tune with 1 labelled subject from PCL and from random initialisation, and compare per-muscle Dice on held-out phantoms.");
        cmd.Options.Add(outDir);
        cmd.Options.Add(device);
        cmd.Options.Add(plan);
        foreach (var o in performance.All)
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse => Run(output, parse.GetValue(outDir)!, DeviceOption.Get(parse, device), DemoSettings.Default.With(performance.Bind(parse)), parse.GetValue(plan) == "auto"));
        return cmd;
    }

    internal static int Run(TextWriter output, string outDir, Torch.ComputeDevice device, DemoSettings settings, bool plan = false)
    {
        var console = ConsoleProgress.Console(output);
        var clock = Stopwatch.StartNew();
        string root = Path.GetFullPath(outDir);
        string cohort = Path.Combine(root, "cohort");
        string manifest = Path.Combine(cohort, "manifest.csv");
        console.WriteLine($"ThighSeg demo: {TorchBackendLine(device)}");
        if (!File.Exists(manifest))
        {
            console.WriteLine($"Generating a phantom cohort of {settings.Subjects} subjects in {cohort} ...");
            SynthCommand.Run(
                new SynthRequest(cohort, settings.Subjects, settings.Labeled, settings.Test, settings.Seed, settings.PhantomSize),
                VolumeFormats.Default.WriterFor("x.nii.gz"), TextWriter.Null);
        }
        else
        {
            console.WriteLine($"Reusing the phantom cohort in {cohort}");
        }
        var dataset = Dataset.Open(manifest, new VolumeFormatsSource());
        if (plan)
        {
            var p = PreprocessingPlanner.Plan(TrainingData.Fingerprint(dataset, settings.Preprocessing), depth: settings.Pretrain.Network.Depth);
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plan: {p.TargetSize} px at {p.TargetSpacingMm:0.###} mm, F={p.BaseFilters} ({p.Fingerprint})"));
            foreach (string w in p.Warnings)
            {
                console.WriteLine($"warning: {w}");
            }
            var planned = settings.Pretrain.Network with { BaseFilters = p.BaseFilters };
            settings = settings with
            {
                Preprocessing = p.Apply(settings.Preprocessing),
                Pretrain = settings.Pretrain with { Network = planned },
                FineTune = settings.FineTune with { Network = planned },
            };
        }
        var options = new ExperimentOptions
        {
            Sizes = [1], Methods = [InitMethod.Rnd, InitMethod.Pcl], Repeats = 1,
            Pretrain = settings.Pretrain, FineTune = settings.FineTune, Preprocessing = settings.Preprocessing,
            ValidationCount = settings.ValidationCount, Seed = settings.Seed, Device = device, KeepLargestComponent = true,
            PretrainDownsampling = settings.PretrainDownsampling,
        };
        var result = ConsoleProgress.Run(console, p => new LabelEfficiencyExperiment(options).Run(dataset, Path.Combine(root, "experiment"), p));
        string plot = Path.Combine(result.OutputDirectory, "dice-per-muscle.png");
        ResultPlots.Write(plot, options, result.Summary);

        var table = new Table().Title("Test Dice per muscle with 1 labelled subject (mean ± SD over test phantoms)")
            .AddColumn("muscle").AddColumn(new TableColumn("random init").RightAligned()).AddColumn(new TableColumn("PCL pretrained").RightAligned());
        string Cell(InitMethod m, int? label) => result.Summary.FirstOrDefault(r => r.Method == m && r.Label == label && r.Metric == "dice") is { } r
            ? string.Create(CultureInfo.InvariantCulture, $"{r.Statistic.Mean:F3} ± {r.Statistic.StandardDeviation:F3}") : "–";
        foreach (var label in result.Summary.Where(r => r.Label is not null && r.Metric == "dice").Select(r => (r.Label, r.LabelName)).Distinct().OrderBy(l => l.Label))
        {
            table.AddRow(label.LabelName, Cell(InitMethod.Rnd, label.Label), Cell(InitMethod.Pcl, label.Label));
        }
        table.AddRow("[bold]mean[/]", $"[bold]{Cell(InitMethod.Rnd, null)}[/]", $"[bold]{Cell(InitMethod.Pcl, null)}[/]");
        console.Write(table);
        foreach (var c in result.Comparisons)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"PCL vs random initialisation: mean Dice {c.MeanDice:F3} vs {c.MeanDiceRandom:F3} (paired Wilcoxon p = {c.PValue:G3}, {c.Subjects} test subjects)"));
        }
        console.WriteLine($"plot:       {plot}");
        foreach (var (name, path) in result.Files)
        {
            console.WriteLine($"{name + ":",-12}{path}");
        }
        ExperimentCommand.WriteWarnings(console, result, "The demo keeps its small 192 mm frame to finish in minutes; demo --plan auto plans a frame that holds every thigh (slower).");
        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"demo finished in {clock.Elapsed:mm\\:ss}"));
        return CliApp.ExitOk;
    }

    private static string TorchBackendLine(Torch.ComputeDevice device)
    {
        var info = Torch.TorchBackend.Describe(device);
        return $"device {info.Device}, {info.Threads} CPU threads, TorchSharp {info.TorchSharpVersion}, libtorch {info.LibTorchVersion}";
    }
}
