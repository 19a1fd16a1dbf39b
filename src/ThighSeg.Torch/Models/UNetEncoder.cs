using ThighSeg.Core.Abstractions;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Models;

/// <summary>
/// The U-Net encoder: <c>depth</c> levels of <see cref="ConvBlock"/> with F·2^i channels, each followed by 2x2
/// max-pooling, then the centre block with F·2^depth channels. <see cref="forward"/> maps <c>[N, 1, H, W]</c> to the
/// deepest features <c>[N, F·2^depth, H/2^depth, W/2^depth]</c>; <see cref="Encode"/> also returns the skips.
/// Parameter names start with <c>levels.</c> and <c>centre.</c>, identical in the pretraining and segmentation networks.
/// </summary>
internal sealed class UNetEncoder : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ConvBlock> levels;
    private readonly ConvBlock centre;

    public UNetEncoder(UNetOptions options) : base("encoder")
    {
        Options = options;
        var blocks = new List<ConvBlock>();
        int inCh = options.InChannels;
        for (int i = 0; i < options.Depth; i++)
        {
            int outCh = options.BaseFilters << i;
            blocks.Add(new ConvBlock($"level{i}", inCh, outCh, options.Norm));
            inCh = outCh;
        }
        levels = nn.ModuleList(blocks.ToArray());
        centre = new ConvBlock("centre", inCh, options.BottleneckChannels, options.Norm);
        RegisterComponents();
    }

    public UNetOptions Options { get; }

    public EncoderFeatures Encode(Tensor input)
    {
        var skips = new List<Tensor>(levels.Count);
        Tensor x = input;
        foreach (var level in levels)
        {
            Tensor s = level.forward(x);
            skips.Add(s);
            x = nn.functional.max_pool2d(s, 2, 2);
        }
        Tensor deepest = centre.forward(x);
        return new EncoderFeatures(deepest, skips);
    }

    public override Tensor forward(Tensor input)
    {
        // Intermediates are released by the caller's dispose scope.
        return Encode(input).Deepest;
    }
}
