using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Models;

/// <summary>
/// Projection head for contrastive pretraining: global average pooling, Linear(16F, 16F), ReLU, Linear(16F, D).
/// Input the deepest encoder features <c>[N, 16F, h, w]</c>; output embeddings <c>[N, D]</c> (not normalised).
/// </summary>
internal sealed class ProjectionHead : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public ProjectionHead(int inChannels, int embeddingDim) : base("head")
    {
        fc1 = nn.Linear(inChannels, inChannels);
        fc2 = nn.Linear(inChannels, embeddingDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var pooled = nn.functional.adaptive_avg_pool2d(input, 1);
        using var flat = pooled.flatten(1);
        using var h = fc1.forward(flat);
        using var r = nn.functional.relu(h);
        return fc2.forward(r);
    }
}
