using System.Globalization;
using System.Text.Json.Nodes;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Randomness;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Losses;
using ThighSeg.Torch.Models;
using ThighSeg.Torch.Performance;
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
/// Training runs in the one <see cref="TrainingLoop"/> with a <see cref="ContrastiveObjective"/>. Not thread-safe. Losses
/// are read back to the host only every <see cref="TrainingSchedule.LogInterval"/> steps and at epoch ends.
/// </remarks>
public sealed class ContrastivePretrainer : IEncoderPretrainer
{
    /// <summary>Checkpoint file name inside the output folder.</summary>
    public const string CheckpointFile = "checkpoint.bin";

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
        var (h, w) = TensorBridge.CommonSliceSize(stacks);
        try
        {
            _options.Network.ValidateInputSize(h, w);
        }
        catch (ArgumentException ex)
        {
            throw new ThighSegException(ex.Message, ex);
        }
        var o = _options;
        try
        {
            o.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ThighSegException(ex.Message, ex);
        }
        var sampler = PositionalSliceSampler.ForStacks(stacks, o.Schedule.Seed, requireLabels: false);
        if (sampler.Count < 2)
        {
            throw new ThighSegException("Contrastive pretraining needs at least two slices.");
        }
        Device device = TorchBackend.Resolve(_device);
        Directory.CreateDirectory(outputDirectory);
        var checkpoint = new TrainingLoop.CheckpointSpec(
            Path.Combine(outputDirectory, CheckpointFile),
            Checkpoint.Fingerprint(o, stacks, "pretrain"),
            new JsonObject { ["method"] = o.Method.ToString() });

        using var net = new ContrastiveNetwork(o.Network, o.EmbeddingDim, Seeds.Derive(o.Schedule.Seed, Seeds.Initialisation, 0)).to(device);
        if (o.Performance.ChannelsLast)
        {
            TorchPerformance.ModuleToChannelsLast(net);
        }
        using var optimizer = new SgdOptimizer([new ParameterGroup(net.parameters().ToList())], o.Schedule.LearningRate, o.Momentum, o.Schedule.WeightDecay);
        var objective = new ContrastiveObjective(net, optimizer, new TensorAugmenter(o.Augmentation), o, device);
        var run = new TrainingLoop(o.Schedule, "pretrain", device, o.Performance).Run(objective, sampler, checkpoint, [], progress, cancellationToken);
        long step = run.Steps;

        var manifest = new ModelManifest(
            ModelArtifact.CurrentFormatVersion,
            ModelKind.Encoder,
            o.Network,
            null,
            o.EmbeddingDim,
            Preprocessing,
            new TrainingProvenance(
                o.Method.ToString().ToLowerInvariant(),
                o.Schedule.Seed,
                o.Schedule.Epochs,
                step,
                stacks.Select(s => s.SubjectId).Distinct().ToList(),
                ModelArtifact.OptionsJson(o),
                device.ToString(),
                DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
                null),
            "encoder.bin");
        ModelArtifact.Write(outputDirectory, manifest, net.Encoder);
        int slicesPerBatch = Math.Min(o.Schedule.BatchSize, sampler.Count);
        return new PretrainResult(outputDirectory, step, run.LossHistory.LastOrDefault(double.NaN), run.LossHistory, run.Resumed,
            PretrainResult.CollapseLossFor(slicesPerBatch, o.Temperature, o.BaseTemperature));
    }
}
