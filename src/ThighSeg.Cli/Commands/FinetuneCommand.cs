using System.CommandLine;
using System.Globalization;
using ThighSeg.Cli.Reports;
using ThighSeg.Core;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Training;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg finetune -i MANIFEST --labeled S -o MODEL_DIR [--init MODEL_DIR|none] [schedule flags] [network flags]</c>:
/// fine-tunes a segmentation U-Net on S labelled subjects drawn from the <c>train</c> split by seed (case-level splits in
/// MODEL_DIR/splits.json), from a pretrained encoder or from random initialisation. With <c>--init</c>, network and
/// preprocessing come from the pretrained model; a network or preprocessing flag that disagrees with it is an error.
/// Rerunning the same command resumes from the last epoch's checkpoint. MODEL_DIR must not be the <c>--init</c> folder, and
/// a MODEL_DIR holding another run's model (no fine-tuning checkpoint to resume) is refused unless <c>--overwrite</c>;
/// splits.json is written with the model, so a failed run leaves none behind.
/// </summary>
internal static class FinetuneCommand
{
    public static Command Create(TextWriter output)
    {
        var data = new Option<string>("--data", "-i") { Description = "Dataset manifest (manifest.csv).", Required = true };
        var labeled = new Option<int>("--labeled") { Description = "Labelled training subjects S, drawn from the 'train' split by seed.", Required = true };
        var init = new Option<string>("--init") { Description = "Pretrained model folder whose encoder initialises the U-Net, or 'none' for random initialisation.", DefaultValueFactory = _ => "none" };
        var outDir = new Option<string>("--out", "-o") { Description = "Output folder for the segmentation model (manifest.json + model.bin), checkpoint and splits.json.", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a model in --out that another run wrote (one with no fine-tuning checkpoint to resume)." };
        var network = new NetworkFlags();
        var finetune = new FinetuneFlags();
        var cmd = new Command("finetune", "Fine-tune a segmentation U-Net on a few labelled subjects, from a pretrained encoder or from scratch.");
        foreach (var o in new Option[] { data, labeled, init, outDir, overwrite }.Concat(finetune.All).Concat(network.All))
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse =>
        {
            string manifestPath = parse.GetValue(data)!;
            string output0 = parse.GetValue(outDir)!;
            string? initDir = parse.GetValue(init) is "none" or null ? null : parse.GetValue(init);
            var prep = network.Preprocessing(parse);
            var net = network.Network(parse);
            OutputGuard.RefuseInputs(output0, outDir.Name, (initDir, init.Name));
            OutputGuard.RefuseInputs(Path.Combine(output0, ModelArtifact.ManifestFile), outDir.Name, (initDir, init.Name), (manifestPath, data.Name));
            OutputGuard.RefuseOtherRunsResults(output0, outDir.Name, parse.GetValue(overwrite), UNetSegmenter.CheckpointFile,
                [ModelArtifact.ManifestFile, UNetSegmentationModel.WeightsFile, ContrastivePretrainer.WeightsFile], $"Choose another folder, or pass {overwrite.Name} to replace it.");
            PreprocessingPlan? plan = null;
            if (initDir is not null)
            {
                (prep, net, var m) = network.FromEncoder(parse, init.Name, initDir);
                output.WriteLine($"init: {Path.GetFullPath(initDir)} ({m.Training.Method}, {m.Training.Steps} steps, F={net.BaseFilters}, {prep.TargetSize} px at {prep.TargetSpacingMm.ToString(CultureInfo.InvariantCulture)} mm)");
            }
            var options = finetune.Bind(parse, network, net);
            int validationCount = finetune.ValidationCount(parse);
            if (parse.GetValue(labeled) < 1)
            {
                throw new UsageException($"{labeled.Name} {parse.GetValue(labeled)}: must be at least 1.");
            }
            var dataset = TrainingData.Open(data.Name, manifestPath);
            if (initDir is null)
            {
                (prep, net, plan) = network.Configure(parse, dataset, output);
                options = options with { Network = net };
            }
            var splitsPath = Path.Combine(output0, CaseSplits.FileName);
            var splits = File.Exists(splitsPath)
                ? CaseSplits.LoadOrCreate(splitsPath, dataset.Manifest, validationCount, network.SeedValue(parse))
                : CaseSplits.Create(dataset.Manifest, validationCount, network.SeedValue(parse));
            var trainSubjects = splits.LabeledSubset(parse.GetValue(labeled));
            var budget = options.ForTrainingSubjects(trainSubjects.Count).Schedule;
            string steps = budget.StepsPerEpoch is int perEpoch ? $"{budget.Epochs} x {perEpoch} steps" : $"{budget.Epochs} passes over the slices";
            output.WriteLine($"finetune: {trainSubjects.Count} labelled subject(s) [{string.Join(", ", trainSubjects)}], {splits.Validation.Count} validation, init {(initDir is null ? "random" : "pretrained")}, {steps}");
            var train = TrainingData.Prepare(dataset, trainSubjects, prep, withLabels: true, output);
            var val = splits.Validation.Count > 0 ? TrainingData.Prepare(dataset, splits.Validation, prep, withLabels: true, output) : null;
            var segmenter = new UNetSegmenter(options, network.DeviceValue(parse));
            var console = ConsoleProgress.Console(output);
            if (LabelCoverage.Warning(dataset.Labels, LabelCoverage.Unseen(dataset.Labels, train), trainSubjects) is string unseen)
            {
                LibraryWarning.Write(console, unseen);
            }
            var result = TrainingData.WithProgress(console, $"finetune S={trainSubjects.Count}", p =>
                segmenter.FineTune(train, initDir, dataset.Labels, checkpointDirectory: output0, validation: val, progress: p));
            using (result.Model)
            {
                // splits.json is written with the model, not before training: a run that fails leaves none to constrain
                // the next one (a resumed run draws the same splits again from the seed).
                splits.Save(splitsPath);
                result.Model.Save(output0, TrainingData.PreprocessingJson(prep, plan));
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"segmentation model: {Path.GetFullPath(output0)} (epoch {result.BestEpoch}{(result.BestValidationDice is double d ? $", validation Dice {d:F4}" : "")})"));
            return CliApp.ExitOk;
        });
        return cmd;
    }
}
