using System.Globalization;

namespace ThighSeg.Core.Abstractions;

/// <summary>
/// The 2D U-Net of the reference design: <see cref="Depth"/> encoder levels with <c>F, 2F, 4F, ...</c> channels, each two
/// 3x3 convolutions + normalisation + LeakyReLU(0.01) followed by 2x2 max-pooling, a centre block with
/// <c>2^Depth · F</c> channels, a decoder of 2x2 transposed convolutions with skip concatenation, and a bias-free 1x1
/// output convolution. Immutable; validated at construction.
/// </summary>
public sealed record UNetOptions
{
    /// <summary>Creates the options; every argument is validated. The defaults (F = 8, depth 4, batch norm) are
    /// ThighSeg's CPU-sized network, the one the CLI and the documented studies use (docs/training.md); the reference
    /// design uses F = 32 (CT) or 48 (MRI) on GPUs.</summary>
    /// <param name="baseFilters">F, channels of the first level.</param>
    /// <param name="depth">Number of encoder levels before the centre block (reference: 4).</param>
    /// <param name="norm">Normalisation layer.</param>
    /// <param name="inChannels">Input channels (1 for a single MRI contrast).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    public UNetOptions(int baseFilters = DefaultBaseFilters, int depth = 4, NormKind norm = NormKind.Batch, int inChannels = 1)
    {
        BaseFilters = baseFilters;
        Depth = depth;
        Norm = norm;
        InChannels = inChannels;
    }

    /// <summary>The default F.</summary>
    public const int DefaultBaseFilters = 8;

    /// <summary>F, channels of the first level, in [1, 1024].</summary>
    public int BaseFilters { get; init { Check.InRange(value, 1, 1024, nameof(BaseFilters)); field = value; } }

    /// <summary>Encoder levels before the centre block, in [1, 7].</summary>
    public int Depth { get; init { Check.InRange(value, 1, 7, nameof(Depth)); field = value; } }

    /// <summary>Normalisation layer.</summary>
    public NormKind Norm { get; init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Norm), value, "Unknown normalisation kind."); }

    /// <summary>Input channels, in [1, 64].</summary>
    public int InChannels { get; init { Check.InRange(value, 1, 64, nameof(InChannels)); field = value; } }

    /// <summary>Channels of the deepest (centre) features: <c>F · 2^Depth</c> (16F for the reference depth 4).</summary>
    public int BottleneckChannels => BaseFilters << Depth;

    /// <summary>Height and width of inputs must be multiples of this (<c>2^Depth</c>).</summary>
    public int SizeMultiple => 1 << Depth;

    /// <summary>Throws when a <paramref name="height"/> x <paramref name="width"/> input cannot pass through the network.</summary>
    /// <exception cref="ArgumentException">A side is not a positive multiple of <see cref="SizeMultiple"/>.</exception>
    public void ValidateInputSize(int height, int width)
    {
        if (height <= 0 || width <= 0 || height % SizeMultiple != 0 || width % SizeMultiple != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Input {height}x{width} is not a multiple of {SizeMultiple} (2^depth, depth {Depth}); resample or pad the slices."));
        }
    }
}
