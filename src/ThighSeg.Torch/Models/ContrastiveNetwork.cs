using ThighSeg.Core.Abstractions;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Models;

/// <summary>
/// The pretraining network: <see cref="UNetEncoder"/> followed by <see cref="ProjectionHead"/>.
/// Input <c>[N, 1, H, W]</c>, output embeddings <c>[N, D]</c>.
/// </summary>
internal sealed class ContrastiveNetwork : nn.Module<Tensor, Tensor>
{
    private readonly UNetEncoder encoder;
    private readonly ProjectionHead head;

    public ContrastiveNetwork(UNetOptions options, int embeddingDim, long seed) : base("contrastive")
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        EmbeddingDim = embeddingDim;
        encoder = new UNetEncoder(options);
        head = new ProjectionHead(options.BottleneckChannels, embeddingDim);
        RegisterComponents();
        UNetInit.Initialize(this, seed);
    }

    public UNetOptions Options { get; }

    public int EmbeddingDim { get; }

    public UNetEncoder Encoder => encoder;

    public override Tensor forward(Tensor input)
    {
        Tensor deepest = encoder.forward(input);
        return head.forward(deepest);
    }
}
