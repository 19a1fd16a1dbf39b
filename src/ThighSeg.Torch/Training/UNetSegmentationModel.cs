using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>
/// A trained segmentation U-Net on a device, with its class map. Predicts stacks slice-batch by slice-batch inside
/// dispose scopes (no tensors outlive a call). Load one with <see cref="Load"/>; dispose it to free native memory.
/// </summary>
/// <remarks>Not thread-safe: one <see cref="Predict"/> at a time.</remarks>
public sealed class UNetSegmentationModel : ISegmentationModel
{
    /// <summary>Weights file name of a saved segmentation model (beside <c>manifest.json</c>).</summary>
    public const string WeightsFile = "model.bin";

    private readonly UNet2d _net;
    private readonly Device _device;
    private readonly TrainingProvenance _provenance;
    private bool _disposed;

    internal UNetSegmentationModel(UNet2d net, Device device, LabelMap classes, TrainingProvenance provenance, JsonObject? preprocessing)
    {
        _net = net;
        _device = device;
        Classes = classes;
        _provenance = provenance;
        Preprocessing = preprocessing;
        TrainedWithFlips = FlipProbabilityOf(provenance) > 0;
        _net.eval();
    }

    /// <summary>
    /// True when the model was trained with random flips (<see cref="AugmentationOptions.FlipProbability"/> &gt; 0 in its
    /// training options), so that mirror test-time augmentation shows it views it was trained on. Only then does
    /// <see cref="Predict"/> mirror; a model whose options do not say (older artifacts) counts as trained without flips.
    /// </summary>
    public bool TrainedWithFlips { get; }

    /// <inheritdoc/>
    public LabelMap Classes { get; }

    /// <inheritdoc/>
    public UNetOptions Network => _net.Options;

    /// <summary>How the model was trained.</summary>
    public TrainingProvenance Provenance => _provenance;

    /// <summary>The preprocessing description stored with the model (null when none was given).</summary>
    public JsonObject? Preprocessing { get; }

    /// <summary>
    /// Precision, memory layout and cuDNN autotuning of predictions (default fp32, channels-last). Fine-tuning hands its own
    /// settings to the model it returns; <see cref="Load"/> takes them as an argument. Setting
    /// <see cref="PerformanceOptions.ChannelsLast"/> here only changes the input layout; <see cref="Load"/> also moves the
    /// weights.
    /// </summary>
    public PerformanceOptions Performance { get; init => field = value ?? throw new ArgumentNullException(nameof(Performance)); } = PerformanceOptions.Default;

    /// <summary>Slices per inference batch.</summary>
    public int BatchSize { get; init; } = 16;

    internal UNet2d Net => _net;

    /// <summary>Loads the segmentation model in <paramref name="directory"/> onto <paramref name="device"/>.</summary>
    /// <param name="directory">The model folder (manifest.json + weights).</param>
    /// <param name="device">Where to predict.</param>
    /// <param name="performance">Precision, layout and cuDNN autotuning of predictions (default fp32, channels-last); with
    /// channels-last the weights are moved to NHWC here.</param>
    /// <exception cref="ModelFormatException">Missing, corrupt or incompatible artifact, or an encoder-only artifact.</exception>
    public static UNetSegmentationModel Load(string directory, ComputeDevice device = ComputeDevice.Auto, PerformanceOptions? performance = null)
    {
        performance ??= PerformanceOptions.Default;
        var manifest = ModelArtifact.ReadManifest(directory);
        if (manifest.Kind != ModelKind.Segmentation)
        {
            throw new ModelFormatException($"'{directory}' holds a pretrained encoder, not a segmentation model; fine-tune it first.");
        }
        Device d = TorchBackend.Resolve(device);
        var net = new UNet2d(manifest.Network, manifest.Classes!.Count, seed: 0);
        try
        {
            ModelArtifact.LoadWeights(directory, manifest, net);
            net.to(d);
            if (performance.ChannelsLast)
            {
                TorchPerformance.ModuleToChannelsLast(net);
            }
        }
        catch
        {
            net.Dispose();
            throw;
        }
        return new UNetSegmentationModel(net, d, manifest.Classes, manifest.Training, manifest.Preprocessing) { Performance = performance };
    }

    /// <inheritdoc/>
    public StackPrediction Predict(SliceStack stack, bool withProbabilities = false, bool flipTta = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(stack);
        Network.ValidateInputSize(stack.Height, stack.Width);
        var labels = new int[stack.Image.Length];
        float[][]? probs = withProbabilities ? Enumerable.Range(0, Classes.Count).Select(_ => new float[stack.Image.Length]).ToArray() : null;
        _net.eval();
        using var noGrad = no_grad();
        using var performance = PerformanceScope.Enter(Performance, _device);
        for (int start = 0; start < stack.Depth; start += BatchSize)
        {
            int n = Math.Min(BatchSize, stack.Depth - start);
            using var scope = NewDisposeScope();
            var slices = Enumerable.Range(start, n).Select(k => new PositionalSlice(stack, k)).ToArray();
            Tensor p = Probabilities(TensorBridge.Images(slices, _device), flipTta && TrainedWithFlips);
            TensorBridge.CopyLabels(p.argmax(1), Classes, labels, start);
            if (probs is not null)
            {
                TensorBridge.CopyProbabilities(p, probs, start);
            }
        }
        return new StackPrediction(labels, probs);
    }

    /// <summary>Softmax probabilities <c>[N, C, H, W]</c> for images <c>[N, 1, H, W]</c> (call inside a scope, eval mode, no grad).</summary>
    internal Tensor Probabilities(Tensor images, bool flipTta)
    {
        Tensor p = nn.functional.softmax(MixedPrecision.Forward(_net, images, Performance, _device), 1);
        if (flipTta)
        {
            Tensor flipped = MixedPrecision.Forward(_net, images.flip(3), Performance, _device);
            p = p.Plus(nn.functional.softmax(flipped, 1).flip(3)).Times(0.5);
        }
        return p;
    }

    private static double FlipProbabilityOf(TrainingProvenance? provenance)
    {
        try
        {
            return provenance?.Options?["Augmentation"]?["FlipProbability"]?.GetValue<double>() ?? 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            return 0; // not a number: unknown, so no mirroring
        }
    }

    /// <inheritdoc/>
    public void Save(string directory, JsonObject? preprocessing = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var manifest = new ModelManifest(
            ModelArtifact.CurrentFormatVersion,
            ModelKind.Segmentation,
            Network,
            Classes,
            0,
            preprocessing ?? Preprocessing,
            _provenance,
            WeightsFile);
        ModelArtifact.Write(directory, manifest, _net);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            _net.Dispose();
            _disposed = true;
        }
    }
}
