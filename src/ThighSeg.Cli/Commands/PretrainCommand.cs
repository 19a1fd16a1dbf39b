using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ThighSeg.Cli.Reports;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Experiments;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Inference;
using ThighSeg.Torch.Training;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg pretrain -i MANIFEST -o MODEL_DIR [--method pcl|gcl|simclr] [--overwrite] [schedule flags] [network flags]</c>:
/// self-supervised encoder pretraining on the manifest's <c>unlabeled</c> subjects. Checkpoints every epoch in MODEL_DIR;
/// rerunning the same command resumes. A MODEL_DIR that holds an encoder but no checkpoint (another run's result) is
/// refused unless <c>--overwrite</c>. Flags and defaults are the shared ones (<see cref="NetworkFlags"/>,
/// <see cref="PretrainFlags"/>); see docs/training.md.
/// </summary>
internal static class PretrainCommand
{
    public static Command Create(TextWriter output)
    {
        var data = new Option<string>("--data", "-i") { Description = "Dataset manifest (manifest.csv).", Required = true };
        var method = new Option<string>("--method") { Description = "Contrastive method: pcl (positional), gcl (4 partitions) or simclr.", DefaultValueFactory = _ => "pcl" };
        method.AcceptOnlyFromAmong("pcl", "gcl", "simclr");
        var outDir = new Option<string>("--out", "-o") { Description = "Output folder for checkpoint and encoder model.", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an encoder model in --out that another run wrote (one with no checkpoint to resume)." };
        var downsample = new Option<int>("--downsample") { Description = "Pretrain on a grid this many times coarser than the planned (or given) one, over the same field of view (about 1/N^2 of the compute); the encoder records the fine-tuning grid, which finetune --init uses.", DefaultValueFactory = _ => ExperimentOptions.DefaultPretrainDownsampling };
        var network = new NetworkFlags();
        var pretrain = new PretrainFlags();
        var cmd = new Command("pretrain", "Pretrain a U-Net encoder on unlabelled subjects with positional contrastive learning (or GCL / SimCLR).");
        foreach (var o in new Option[] { data, method, outDir, overwrite, downsample }.Concat(pretrain.All).Concat(network.All))
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse =>
        {
            var m = parse.GetValue(method) switch { "gcl" => ContrastiveMethod.Gcl, "simclr" => ContrastiveMethod.SimClr, _ => ContrastiveMethod.Pcl };
            var options = pretrain.Bind(parse, network, m);
            string modelDir = parse.GetValue(outDir)!;
            OutputGuard.RefuseInputs(Path.Combine(modelDir, ModelArtifact.ManifestFile), outDir.Name, (parse.GetValue(data), data.Name));
            OutputGuard.RefuseOtherRunsResults(modelDir, outDir.Name, parse.GetValue(overwrite), ContrastivePretrainer.CheckpointFile,
                [ModelArtifact.ManifestFile, ContrastivePretrainer.WeightsFile], $"Choose another folder, or pass {overwrite.Name} to replace it.");
            var dataset = TrainingData.Open(data.Name, parse.GetValue(data)!);
            var subjects = dataset.SubjectsIn(DatasetSplit.Unlabeled);
            if (subjects.Count == 0)
            {
                throw new ThighSegException($"{parse.GetValue(data)} has no 'unlabeled' subjects; self-supervised pretraining needs unlabelled scans.");
            }
            var (prep, net, plan) = network.Configure(parse, dataset, output);
            options = options with { Network = net };
            int requested = parse.GetValue(downsample);
            var grid = Flag.Bind(downsample, requested, "factor", () => prep.Coarsened(requested, net.SizeMultiple));
            var manifestPreprocessing = TrainingData.PreprocessingJson(prep, plan);
            if (grid != prep)
            {
                int factor = (int)Math.Round(grid.TargetSpacingMm / prep.TargetSpacingMm);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"pretraining grid ({downsample.Name} {factor}): {grid.TargetSize} px at {grid.TargetSpacingMm:0.###} mm; the encoder is for fine-tuning at {prep.TargetSize} px at {prep.TargetSpacingMm:0.###} mm"));
                var gridJson = VolumeSegmenter.PreprocessingJson(grid);
                gridJson["downsampling"] = factor;
                manifestPreprocessing[TrainingData.PretrainingGridKey] = gridJson;
            }
            var stacks = TrainingData.Prepare(dataset, subjects, grid, withLabels: false, output);
            if (SlicePositions.IsolationWarning(stacks, options, PretrainFlags.IsolationRemedy) is string isolated)
            {
                output.WriteLine($"warning: {isolated}");
            }
            var pretrainer = new ContrastivePretrainer(options, network.DeviceValue(parse)) { Preprocessing = manifestPreprocessing };
            var console = ConsoleProgress.Console(output);
            var result = TrainingData.WithProgress(console, $"pretrain {m.ToString().ToLowerInvariant()}", p => pretrainer.Pretrain(stacks, modelDir, p));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pretrained encoder: {Path.GetFullPath(result.ModelDirectory)} ({result.Steps} steps, final loss {result.FinalLoss:F4}{(result.Resumed ? ", resumed" : "")})"));
            foreach (var a in (result.Attempts ?? []).Where(a => a.Collapsed && a != result.Attempts![^1]))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"collapse: attempt {a.Attempt} (seed {a.Seed}, lr {a.LearningRate:G3}) collapsed after {a.Epochs} epoch(s) (loss {a.FinalLoss:F3}); restarted from scratch with another seed and a lower learning rate."));
            }
            if (result.LikelyCollapsed)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"warning: the pretraining collapsed (final loss {result.FinalLoss:F3} = {result.CollapseLoss:F3}, the loss of identical embeddings); the encoder learned nothing useful. Try --norm batch, a lower --lr, --warmup, another --seed or more --collapse-restarts."));
            }
            return CliApp.ExitOk;
        });
        return cmd;
    }
}
