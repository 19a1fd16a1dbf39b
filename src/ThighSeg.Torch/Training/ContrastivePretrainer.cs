using System.Globalization;
using System.Text.Json.Nodes;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Randomness;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>
/// Contrastive encoder pretraining (PCL, GCL or SimCLR, see <see cref="PretrainOptions.Method"/>) of a U-Net encoder with
/// a projection head. Each step draws a batch of slices, makes two augmented views of each on the device, embeds the 2N
/// views and minimises the contrastive loss with SGD (momentum, weight decay, per-iteration cosine learning rate).
/// </summary>
/// <remarks>
/// Output folder: <c>checkpoint.bin</c> after every epoch (atomic) and, at the end, the encoder artifact
/// (<c>manifest.json</c> + <c>encoder.bin</c>). Calling <see cref="Pretrain"/> again with the same options and data
/// resumes after the last complete epoch and gives the same result as an uninterrupted run on the CPU.
/// Training runs in the one <see cref="TrainingLoop"/> with a <see cref="ContrastiveObjective"/> and a
/// <see cref="CollapseMonitor"/>: an attempt that collapses is stopped after the warm-up window and pretraining restarts
/// from scratch with another seed and a lower learning rate (<see cref="PretrainOptions.CollapseRestarts"/>,
/// <see cref="AttemptOptions"/>), each attempt with its own checkpoint (<c>checkpoint-restart{a}.bin</c>), so a rerun
/// resumes the attempt that was running; the attempts are reported in the result and the manifest's provenance. Not thread-safe. Losses
/// are read back to the host only every <see cref="TrainingSchedule.LogInterval"/> steps and at epoch ends.
/// </remarks>
public sealed class ContrastivePretrainer : IEncoderPretrainer
{
    /// <summary>Checkpoint file name inside the output folder.</summary>
    public const string CheckpointFile = "checkpoint.bin";

    /// <summary>Weights file name of the encoder model inside the output folder (beside <c>manifest.json</c>).</summary>
    public const string WeightsFile = "encoder.bin";

    private readonly PretrainOptions _options;
    private readonly ComputeDevice _device;

    /// <summary>Creates a pretrainer.</summary>
    /// <param name="options">Hyper-parameters; null gives the reference defaults (PCL).</param>
    /// <param name="device">Where to train.</param>
    public ContrastivePretrainer(PretrainOptions? options = null, ComputeDevice device = ComputeDevice.Auto)
    {
        _options = options ?? new PretrainOptions();
        _device = device;
    }

    /// <summary>The options.</summary>
    public PretrainOptions Options => _options;

    /// <summary>Opaque description of the preprocessing of the training stacks, stored in the artifact's manifest (or null).</summary>
    public JsonObject? Preprocessing { get; init; }

    /// <inheritdoc/>
    public PretrainResult Pretrain(IReadOnlyList<SliceStack> stacks, string outputDirectory, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stacks);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        var o = _options;
        TrainingInput.Check(o.Validate, o.Network, TensorBridge.CommonSliceSize(stacks));
        if (o.Method == ContrastiveMethod.Pcl)
        {
            stacks = SlicePositions.Assign(stacks, o.Positions);
        }
        var sampler = PositionalSliceSampler.ForStacks(stacks, o.Schedule.Seed, requireLabels: false);
        if (sampler.Count < 2)
        {
            throw new ThighSegException("Contrastive pretraining needs at least two slices.");
        }
        Device device = TorchBackend.Resolve(_device);
        Directory.CreateDirectory(outputDirectory);
        RemoveOrphanedRestartCheckpoints(outputDirectory);
        int slicesPerBatch = Math.Min(o.Schedule.BatchSize, sampler.Count);
        double collapseLoss = PretrainResult.CollapseLossFor(slicesPerBatch, o.Temperature, o.BaseTemperature);
        var attempts = new List<PretrainAttempt>();
        for (int attempt = 0; ; attempt++)
        {
            var ao = AttemptOptions(o, attempt);
            bool last = attempt >= o.CollapseRestarts;
            var monitor = new CollapseMonitor(collapseLoss, o.CollapseCheckEpochs, stopOnCollapse: !last);
            using var net = new ContrastiveNetwork(ao.Network, ao.EmbeddingDim, Seeds.Derive(ao.Schedule.Seed, Seeds.Initialisation, 0)).to(device);
            if (ao.Performance.ChannelsLast)
            {
                TorchPerformance.ModuleToChannelsLast(net);
            }
            using var optimizer = new SgdOptimizer([new ParameterGroup(net.parameters().ToList())], ao.Schedule.LearningRate, ao.Momentum, ao.Schedule.WeightDecay);
            var objective = new ContrastiveObjective(net, optimizer, new TensorAugmenter(ao.Augmentation), ao, device);
            var checkpoint = new TrainingLoop.CheckpointSpec(
                Path.Combine(outputDirectory, attempt == 0 ? CheckpointFile : RestartCheckpointFile(attempt)),
                Checkpoint.Fingerprint(ao, stacks, "pretrain"),
                new JsonObject { ["method"] = ao.Method.ToString() });
            var samplerOfAttempt = attempt == 0 ? sampler : PositionalSliceSampler.ForStacks(stacks, ao.Schedule.Seed, requireLabels: false);
            var run = new TrainingLoop(ao.Schedule, "pretrain", device, ao.Performance).Run(objective, samplerOfAttempt, checkpoint, [monitor], progress, cancellationToken);
            attempts.Add(new PretrainAttempt(attempt, ao.Schedule.Seed, ao.Schedule.LearningRate, run.EpochsRun, run.LossHistory.LastOrDefault(double.NaN), monitor.Collapsed));
            if (monitor.Collapsed && !last)
            {
                continue;
            }

            var provenanceOptions = ModelArtifact.OptionsJson(ao);
            provenanceOptions["collapse_attempts"] = new JsonArray([.. attempts.Select(a => (JsonNode)new JsonObject
            {
                ["attempt"] = a.Attempt,
                ["seed"] = a.Seed,
                ["learning_rate"] = a.LearningRate,
                ["epochs"] = a.Epochs,
                ["final_loss"] = double.IsFinite(a.FinalLoss) ? a.FinalLoss : null,
                ["collapsed"] = a.Collapsed,
            })]);
            var manifest = new ModelManifest(
                ModelArtifact.CurrentFormatVersion,
                ModelKind.Encoder,
                ao.Network,
                null,
                ao.EmbeddingDim,
                Preprocessing,
                new TrainingProvenance(
                    ao.Method.ToString().ToLowerInvariant(),
                    ao.Schedule.Seed,
                    ao.Schedule.Epochs,
                    run.Steps,
                    stacks.Select(s => s.SubjectId).Distinct().ToList(),
                    provenanceOptions,
                    device.ToString(),
                    DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
                    null),
                WeightsFile);
            ModelArtifact.Write(outputDirectory, manifest, net.Encoder);
            return new PretrainResult(outputDirectory, run.Steps, run.LossHistory.LastOrDefault(double.NaN), run.LossHistory, run.Resumed, collapseLoss, attempts);
        }
    }

    /// <summary>The checkpoint of restart <paramref name="attempt"/> (1, 2, ...).</summary>
    private static string RestartCheckpointFile(int attempt) => string.Create(CultureInfo.InvariantCulture, $"checkpoint-restart{attempt}.bin");

    /// <summary>
    /// Restart checkpoints belong to the run whose first attempt's checkpoint sits beside them; without that checkpoint
    /// (a fresh run, or a finished folder being replaced) they are another run's leftovers, and resuming from them would
    /// mix runs, so they are removed before training starts.
    /// </summary>
    private static void RemoveOrphanedRestartCheckpoints(string outputDirectory)
    {
        if (File.Exists(Path.Combine(outputDirectory, CheckpointFile)))
        {
            return;
        }
        for (int attempt = 1; File.Exists(Path.Combine(outputDirectory, RestartCheckpointFile(attempt))); attempt++)
        {
            File.Delete(Path.Combine(outputDirectory, RestartCheckpointFile(attempt)));
        }
    }

    /// <summary>
    /// The options of attempt <paramref name="attempt"/>: the given ones for 0; for restart a, a seed derived from the
    /// given seed (stream <see cref="Seeds.Restart"/>, index a) and learning rates times
    /// <see cref="PretrainOptions.CollapseLearningRateFactor"/>^a.
    /// </summary>
    public static PretrainOptions AttemptOptions(PretrainOptions options, int attempt)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        if (attempt == 0)
        {
            return options;
        }
        double f = Math.Pow(options.CollapseLearningRateFactor, attempt);
        var s = options.Schedule;
        return options with
        {
            Schedule = s with { Seed = Seeds.Derive(s.Seed, Seeds.Restart, attempt), LearningRate = s.LearningRate * f, MinLearningRate = s.MinLearningRate * f },
        };
    }
}
