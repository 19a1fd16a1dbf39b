using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Losses;
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
/// Not thread-safe. Losses are read back to the host only every <see cref="PretrainOptions.LogInterval"/> steps and at
/// epoch ends.
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
        var sampler = new SliceSampler(stacks);
        if (sampler.SliceCount < 2)
        {
            throw new ThighSegException("Contrastive pretraining needs at least two slices.");
        }
        Device device = TorchBackend.Resolve(_device);
        Directory.CreateDirectory(outputDirectory);
        string checkpointPath = Path.Combine(outputDirectory, CheckpointFile);
        string fingerprint = Checkpoint.Fingerprint(_options, stacks, "pretrain");
        var o = _options;
        int stepsPerEpoch = sampler.StepsPerEpoch(o.BatchSize, o.StepsPerEpoch);
        long totalSteps = (long)stepsPerEpoch * o.Epochs;
        var clock = Stopwatch.StartNew();

        using var net = new ContrastiveNetwork(o.Network, o.EmbeddingDim, Seeds.Derive(o.Seed, Seeds.Initialisation, 0)).to(device);
        using var optimizer = new SgdOptimizer([new ParameterGroup(net.parameters().ToList())], o.LearningRate, o.Momentum, o.WeightDecay);
        var augmenter = new TensorAugmenter(o.Augmentation);
        var state = Checkpoint.TryRead(checkpointPath, fingerprint, net, optimizer);
        bool resumed = state is not null;
        int startEpoch = state?.Epoch ?? 0;
        long step = state?.Step ?? 0;
        var history = state?.LossHistory ?? [];
        if (resumed)
        {
            progress?.Report(new TrainingProgress("resume", startEpoch, o.Epochs, step, totalSteps, history.LastOrDefault(double.NaN), 0, clock.Elapsed));
        }

        using var epochMeter = new LossMeter(device);
        using var logMeter = new LossMeter(device);
        net.train();
        for (int epoch = startEpoch; epoch < o.Epochs; epoch++)
        {
            var rng = new Random(Seeds.Derive(o.Seed, Seeds.Augmentation, epoch));
            double lr = o.LearningRate;
            foreach (var batch in sampler.Epoch(o.Seed, epoch, o.BatchSize, o.StepsPerEpoch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                lr = CosineSchedule.At(step, totalSteps, o.LearningRate, 0);
                optimizer.LearningRate = lr;
                using (NewDisposeScope())
                {
                    Tensor loss = PretrainStep.Loss(net, augmenter, batch, o, device, rng);
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.Step();
                    epochMeter.Add(loss);
                    logMeter.Add(loss);
                }
                step++;
                if (step % o.LogInterval == 0)
                {
                    progress?.Report(new TrainingProgress("pretrain", epoch + 1, o.Epochs, step, totalSteps, logMeter.Drain(), lr, clock.Elapsed));
                }
            }
            double epochLoss = epochMeter.Drain();
            history.Add(epochLoss);
            var extra = new JsonObject { ["method"] = o.Method.ToString() };
            Checkpoint.Write(checkpointPath, new Checkpoint.State(fingerprint, epoch + 1, step, history, extra, []), net, optimizer);
            progress?.Report(new TrainingProgress("pretrain", epoch + 1, o.Epochs, step, totalSteps, epochLoss, lr, clock.Elapsed));
        }

        var manifest = new ModelManifest(
            ModelArtifact.CurrentFormatVersion,
            ModelKind.Encoder,
            o.Network,
            null,
            o.EmbeddingDim,
            Preprocessing,
            new TrainingProvenance(
                o.Method.ToString().ToLowerInvariant(),
                o.Seed,
                o.Epochs,
                step,
                stacks.Select(s => s.SubjectId).Distinct().ToList(),
                ModelArtifact.OptionsJson(o),
                device.ToString(),
                DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
                null),
            "encoder.bin");
        ModelArtifact.Write(outputDirectory, manifest, net.Encoder);
        int slicesPerBatch = Math.Min(o.BatchSize, sampler.SliceCount);
        return new PretrainResult(outputDirectory, step, history.LastOrDefault(double.NaN), history, resumed,
            PretrainResult.CollapseLossFor(slicesPerBatch, o.Temperature, o.BaseTemperature));
    }
}

/// <summary>One pretraining forward pass: two augmented views of a batch, embeddings, contrastive loss (scalar tensor).</summary>
internal static class PretrainStep
{
    public static Tensor Loss(ContrastiveNetwork net, TensorAugmenter augmenter, IReadOnlyList<PositionalSlice> batch, PretrainOptions o, Device device, Random rng)
    {
        Tensor images = TensorBridge.Images(batch, device);
        var (v1, _) = augmenter.Apply(images, null, rng);
        var (v2, _) = augmenter.Apply(images, null, rng);
        Tensor views = cat([v1, v2], 0);
        Tensor z = net.forward(views);
        Tensor positions = TensorBridge.Positions(batch, device).repeat(2);
        Tensor? partitions = o.Method == ContrastiveMethod.Gcl ? TensorBridge.Partitions(batch, o.Partitions, device).repeat(2) : null;
        return ContrastiveLoss.For(o.Method, z, positions, partitions, o);
    }
}
