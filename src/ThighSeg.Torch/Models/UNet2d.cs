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

/// <summary>The encoder's features: the deepest (centre) map and the skip connections, shallowest first.</summary>
/// <param name="Deepest"><c>[N, F·2^depth, H/2^depth, W/2^depth]</c>.</param>
/// <param name="Skips">Level i: <c>[N, F·2^i, H/2^i, W/2^i]</c>, i = 0..depth-1.</param>
internal sealed record EncoderFeatures(Tensor Deepest, IReadOnlyList<Tensor> Skips);

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

/// <summary>Seeded Kaiming-normal initialisation (a = 0.01, fan-in, leaky-ReLU gain) without touching global RNG state.</summary>
internal static class UNetInit
{
    public const double NegativeSlope = 0.01;

    /// <summary>
    /// Draws every convolution, transposed-convolution and linear weight from N(0, gain²/fan_in) with a private
    /// generator seeded by <paramref name="seed"/>, in parameter-name order; biases are zeroed; norm layers keep weight 1
    /// and bias 0. Fan-in follows PyTorch: <c>weight.size(1) · kernel area</c>.
    /// </summary>
    public static void Initialize(nn.Module module, long seed)
    {
        double gain = Math.Sqrt(2.0 / (1 + NegativeSlope * NegativeSlope));
        using var generator = new Generator(unchecked((ulong)seed), torch.CPU);
        using var noGrad = torch.no_grad();
        foreach (var (name, sub) in module.named_modules())
        {
            switch (sub)
            {
                case Conv2d conv:
                    Fill(conv.weight!, gain, generator);
                    conv.bias?.zero_();
                    break;
                case ConvTranspose2d tconv:
                    Fill(tconv.weight!, gain, generator);
                    tconv.bias?.zero_();
                    break;
                case Linear lin:
                    Fill(lin.weight!, gain, generator);
                    lin.bias?.zero_();
                    break;
                default:
                    _ = name;
                    break;
            }
        }
    }

    private static void Fill(Tensor weight, double gain, Generator generator)
    {
        long fanIn = weight.shape[1];
        for (int d = 2; d < weight.shape.Length; d++)
        {
            fanIn *= weight.shape[d];
        }
        double std = gain / Math.Sqrt(fanIn);
        using var noise = torch.randn(weight.shape, dtype: weight.dtype, device: torch.CPU, generator: generator);
        using var stdScalar = std.ToScalar();
        using var scaled = noise.mul_(stdScalar);
        weight.copy_(scaled);
    }
}
