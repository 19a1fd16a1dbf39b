using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Losses;
using ThighSeg.Torch.Models;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>
/// The pretraining objective: two augmented views of every slice of a batch, embeddings of the 2N views, and the
/// contrastive loss of <see cref="PretrainOptions.Method"/> (PCL positives by position, GCL by partition, SimCLR by view).
/// The forward pass runs under <see cref="PretrainOptions.Performance"/>; the embeddings come back as fp32 before the loss.
/// </summary>
internal sealed class ContrastiveObjective(ContrastiveNetwork net, ParameterOptimizer optimizer, TensorAugmenter augmenter, PretrainOptions options, Device device) : ITrainingObjective
{
    public nn.Module Module => net;

    public ParameterOptimizer Optimizer => optimizer;

    public Tensor Loss(IReadOnlyList<PositionalSlice> batch, Random rng)
    {
        Tensor images = TensorBridge.Images(batch, device);
        var (v1, _) = augmenter.Apply(images, null, rng);
        var (v2, _) = augmenter.Apply(images, null, rng);
        Tensor views = cat([v1, v2], 0);
        Tensor z = MixedPrecision.Forward(net, views, options.Performance, device);
        Tensor positions = TensorBridge.Positions(batch, device).repeat(2);
        Tensor? partitions = options.Method == ContrastiveMethod.Gcl ? TensorBridge.Partitions(batch, options.Partitions, device).repeat(2) : null;
        return ContrastiveLoss.For(options.Method, z, positions, partitions, options);
    }
}
