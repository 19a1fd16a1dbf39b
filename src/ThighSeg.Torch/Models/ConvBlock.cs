using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Interop;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Models;

/// <summary>
/// Two 3x3 convolutions (padding 1, no bias: a normalisation follows), each followed by normalisation and
/// LeakyReLU(0.01). Input <c>[N, in, H, W]</c>, output <c>[N, out, H, W]</c>.
/// </summary>
internal sealed class ConvBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly nn.Module<Tensor, Tensor> norm1;
    private readonly Conv2d conv2;
    private readonly nn.Module<Tensor, Tensor> norm2;

    // A cached Scalar, never an implicit temporary: see Scalars.
    private static readonly Scalar Slope = Scalars.Of(UNetInit.NegativeSlope);

    public ConvBlock(string name, int inChannels, int outChannels, NormKind norm) : base(name)
    {
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1, bias: false);
        norm1 = MakeNorm(outChannels, norm);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
        norm2 = MakeNorm(outChannels, norm);
        RegisterComponents();
    }

    private static nn.Module<Tensor, Tensor> MakeNorm(int channels, NormKind norm) => norm switch
    {
        NormKind.Batch => new SafeBatchNorm2d(channels),
        NormKind.Instance => nn.InstanceNorm2d(channels, affine: true),
        _ => throw new ArgumentOutOfRangeException(nameof(norm), norm, "Unknown normalisation kind."),
    };

    public override Tensor forward(Tensor input)
    {
        using var a = conv1.forward(input);
        using var b = norm1.forward(a);
        using var c = b.leaky_relu(Slope);
        using var d = conv2.forward(c);
        using var e = norm2.forward(d);
        return e.leaky_relu(Slope);
    }
}
