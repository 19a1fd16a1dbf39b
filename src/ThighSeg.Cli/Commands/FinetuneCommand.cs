using System.CommandLine;
using System.Globalization;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Training;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg finetune --data MANIFEST --labeled S --init MODEL_DIR|none --out MODEL_DIR [--epochs E]
/// [--steps-per-epoch N] [--batch B] [--lr LR] [--validation V] [--device D] [--seed S]</c>: fine-tunes a segmentation
/// U-Net on S labelled subjects drawn from the <c>train</c> split by seed (case-level splits in MODEL_DIR/splits.json),
/// from a pretrained encoder or from random initialisation. With <c>--init</c>, network size and preprocessing come
/// from the pretrained model. Rerunning the same command resumes from the last epoch's checkpoint.
/// </summary>
internal static class FinetuneCommand
{
    public static Command Create(TextWriter output)
    {
        var data = new Option<string>("--data") { Description = "Dataset manifest (manifest.csv).", Required = true };
        var labeled = new Option<int>("--labeled") { Description = "Labelled training subjects S, drawn from the 'train' split by seed.", Required = true };
        var init = new Option<string>("--init") { Description = "Pretrained model folder whose encoder initialises the U-Net, or 'none' for random initialisation.", DefaultValueFactory = _ => "none" };
        var outDir = new Option<string>("--out") { Description = "Output folder for the segmentation model (manifest.json + model.bin), checkpoint and splits.json.", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => 40 };
        var steps = new Option<int>("--steps-per-epoch") { Description = "Steps per epoch (0: one pass over the labelled slices).", DefaultValueFactory = _ => 30 };
        var batch = new Option<int>("--batch") { Description = "Slices per batch.", DefaultValueFactory = _ => 10 };
        var lr = new Option<double>("--lr") { Description = "Initial Adam learning rate (cosine decay to 1e-5).", DefaultValueFactory = _ => 3e-3 };
        var validation = new Option<int>("--validation") { Description = "Train subjects held out for model selection (0: keep the last epoch).", DefaultValueFactory = _ => 0 };
        var encoderLr = EncoderLearningRateOption.Create();
        var common = CommonTrainingOptions.Create();
        var cmd = new Command("finetune", "Fine-tune a segmentation U-Net on a few labelled subjects, from a pretrained encoder or from scratch.");
        foreach (var o in new Option[] { data, labeled, init, outDir, epochs, steps, batch, lr, encoderLr, validation })
        {
            cmd.Options.Add(o);
        }
        common.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            string manifestPath = parse.GetValue(data)!;
            string output0 = parse.GetValue(outDir)!;
            string? initDir = parse.GetValue(init) is "none" or null ? null : parse.GetValue(init);
            var prep = common.Preprocessing(parse);
            var network = common.Network(parse);
            if (initDir is not null)
            {
                var m = ModelArtifact.ReadManifest(initDir);
                network = m.Network;
                prep = CommonTrainingOptions.PreprocessingFrom(m.Preprocessing) ?? prep;
                output.WriteLine($"init: {Path.GetFullPath(initDir)} ({m.Training.Method}, {m.Training.Steps} steps, F={network.BaseFilters}, {prep.TargetSize} px at {prep.TargetSpacingMm.ToString(CultureInfo.InvariantCulture)} mm)");
            }
            FineTuneOptions options;
            try
            {
                int spe = parse.GetValue(steps);
                options = new FineTuneOptions(network, epochs: parse.GetValue(epochs), stepsPerEpoch: spe == 0 ? null : spe, batchSize: parse.GetValue(batch),
                    learningRate: parse.GetValue(lr), minLearningRate: Math.Min(1e-5, parse.GetValue(lr)), validationFraction: 0, augmentation: common.Augmentation(parse),
                    seed: parse.GetValue(common.Seed), logInterval: 20)
                {
                    EncoderLearningRateScale = parse.GetValue(encoderLr),
                };
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message, ex);
            }
            if (parse.GetValue(labeled) < 1)
            {
                throw new UsageException($"--labeled must be at least 1, got {parse.GetValue(labeled)}.");
            }
            var dataset = CommonTrainingOptions.OpenDataset(manifestPath);
            Directory.CreateDirectory(output0);
            var splits = CaseSplits.LoadOrCreate(Path.Combine(output0, CaseSplits.FileName), dataset.Manifest, parse.GetValue(validation), parse.GetValue(common.Seed));
            var trainSubjects = splits.LabeledSubset(parse.GetValue(labeled));
            output.WriteLine($"finetune: {trainSubjects.Count} labelled subject(s) [{string.Join(", ", trainSubjects)}], {splits.Validation.Count} validation, init {(initDir is null ? "random" : "pretrained")}");
            var train = CommonTrainingOptions.Prepare(dataset, trainSubjects, prep, withLabels: true);
            var val = splits.Validation.Count > 0 ? CommonTrainingOptions.Prepare(dataset, splits.Validation, prep, withLabels: true) : null;
            var segmenter = new UNetSegmenter(options, CommonTrainingOptions.Device(parse, common));
            var result = segmenter.FineTune(train, initDir, dataset.Labels, checkpointDirectory: output0, validation: val,
                progress: CommonTrainingOptions.Reporter(output));
            using (result.Model)
            {
                result.Model.Save(output0, CommonTrainingOptions.PreprocessingJson(prep));
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"segmentation model: {Path.GetFullPath(output0)} (epoch {result.BestEpoch}{(result.BestValidationDice is double d ? $", validation Dice {d:F4}" : "")})"));
            return CliApp.ExitOk;
        });
        return cmd;
    }
}
