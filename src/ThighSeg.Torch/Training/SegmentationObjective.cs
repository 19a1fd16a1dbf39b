using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>
/// The fine-tuning objective: a batch augmented with one transform for image and labels, U-Net logits, and
/// cross-entropy plus the weighted soft Dice (<see cref="SegmentationLoss"/>). The forward pass runs under
/// <see cref="PerformanceOptions"/> (bf16 autocast, channels-last); the logits come back as fp32 before the loss.
/// </summary>
internal sealed class SegmentationObjective(UNet2d net, ParameterOptimizer optimizer, TensorAugmenter augmenter, LabelLookup lookup, double diceWeight, PerformanceOptions performance, Device device) : ITrainingObjective
{
    public nn.Module Module => net;

    public ParameterOptimizer Optimizer => optimizer;

    public Tensor Loss(IReadOnlyList<PositionalSlice> batch, Random rng)
    {
        Tensor images = TensorBridge.Images(batch, device);
        Tensor labels = TensorBridge.Labels(batch, lookup, device);
        var (x, y) = augmenter.Apply(images, labels, rng);
        Tensor logits = MixedPrecision.Forward(net, x, performance, device);
        return SegmentationLoss.Compute(logits, y!, diceWeight);
    }
}
