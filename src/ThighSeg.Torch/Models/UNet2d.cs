using ThighSeg.Core.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Models;

/// <summary>
/// The complete 2D U-Net: <see cref="UNetEncoder"/>, a decoder of 2x2 transposed convolutions (stride 2) each followed
/// by concatenation with the matching skip and a <see cref="ConvBlock"/>, and a bias-free 1x1 output convolution.
/// Input <c>[N, InChannels, H, W]</c> float32 with H and W multiples of 2^depth; output logits <c>[N, C, H, W]</c>.
/// </summary>
/// <remarks>Call inside a dispose scope; not thread-safe.</remarks>
internal sealed class UNet2d : nn.Module<Tensor, Tensor>
{
    private readonly UNetEncoder encoder;
    private readonly ModuleList<ConvTranspose2d> ups;
    private readonly ModuleList<ConvBlock> decoders;
    private readonly Conv2d output;

    /// <summary>Builds the network and initialises it from <paramref name="seed"/> (Kaiming normal, a = 0.01) on the CPU.</summary>
    public UNet2d(UNetOptions options, int classes, long seed) : base("unet2d")
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        Options = options;
        Classes = classes;
        encoder = new UNetEncoder(options);
        var upList = new List<ConvTranspose2d>();
        var decList = new List<ConvBlock>();
        int inCh = options.BottleneckChannels;
        for (int i = options.Depth - 1; i >= 0; i--)
        {
            int outCh = options.BaseFilters << i;
            upList.Add(nn.ConvTranspose2d(inCh, outCh, 2, stride: 2));
            decList.Add(new ConvBlock($"dec{i}", 2 * outCh, outCh, options.Norm));
            inCh = outCh;
        }
        ups = nn.ModuleList(upList.ToArray());
        decoders = nn.ModuleList(decList.ToArray());
        output = nn.Conv2d(options.BaseFilters, classes, 1, bias: false);
        RegisterComponents();
        UNetInit.Initialize(this, seed);
    }

    public UNetOptions Options { get; }

    public int Classes { get; }

    public UNetEncoder Encoder => encoder;

    public override Tensor forward(Tensor input)
    {
        var features = encoder.Encode(input);
        Tensor x = features.Deepest;
        int depth = Options.Depth;
        for (int j = 0; j < depth; j++)
        {
            Tensor up = ups[j].forward(x);
            Tensor cat = torch.cat([up, features.Skips[depth - 1 - j]], 1);
            x = decoders[j].forward(cat);
        }
        return output.forward(x);
    }
}
