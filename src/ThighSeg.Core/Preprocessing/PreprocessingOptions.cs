using System.Globalization;
using ThighSeg.Core.Abstractions;

namespace ThighSeg.Core.Preprocessing;

/// <summary>How volumes are mapped to network space. Immutable; each value is validated when set.</summary>
public sealed record PreprocessingOptions
{
    /// <summary>In-plane pixel spacing of network slices in mm (0.05..20; default 1.5).</summary>
    public double TargetSpacingMm
    {
        get;
        init => field = value is >= 0.05 and <= MaxSpacingMm ? value : throw new ArgumentOutOfRangeException(nameof(TargetSpacingMm), value, "TargetSpacingMm must be in [0.05, 20] mm.");
    } = 1.5;

    private const double MaxSpacingMm = 20;

    /// <summary>Width and height of network slices in pixels (8..2048; default 128).</summary>
    public int TargetSize
    {
        get;
        init => field = value is >= 8 and <= 2048 ? value : throw new ArgumentOutOfRangeException(nameof(TargetSize), value, "TargetSize must be in [8, 2048] pixels.");
    } = 128;

    /// <summary>Split the two thighs into two stacks, the left one mirrored so both look like a right thigh (default true).
    /// When false, one <c>whole</c> stack holds the full slice.</summary>
    public bool SplitThighs { get; init; } = true;

    /// <summary>Lower clipping percentile of intensity normalisation (0..100; default 1).</summary>
    public double LowerPercentile
    {
        get;
        init => field = value is >= 0 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(LowerPercentile), value, "LowerPercentile must be in [0, 100].");
    } = 1;

    /// <summary>Upper clipping percentile of intensity normalisation (0..100, above <see cref="LowerPercentile"/>; default 99).</summary>
    public double UpperPercentile
    {
        get;
        init => field = value is >= 0 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(UpperPercentile), value, "UpperPercentile must be in [0, 100].");
    } = 99;

    /// <summary>Body-mask threshold as a fraction of the way from the lower to the upper clipping value (0..1, exclusive; default 0.12), used to find the thighs.</summary>
    public double BodyThreshold
    {
        get;
        init => field = value is > 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(BodyThreshold), value, "BodyThreshold must be in (0, 1).");
    } = 0.12;

    /// <summary>Defaults: 1.5 mm, 128 px, split thighs, percentiles 1 and 99.</summary>
    public static PreprocessingOptions Default { get; } = new();

    /// <summary>
    /// The same field of view on a coarser grid: <see cref="TargetSpacingMm"/> times the factor and
    /// <see cref="TargetSize"/> divided by it, rounded up to a multiple of <paramref name="sizeMultiple"/> (the network's
    /// <see cref="UNetOptions.SizeMultiple"/>), so the frame never shrinks. The factor is lowered, down to 1, until the
    /// spacing stays within the 20 mm that <see cref="TargetSpacingMm"/> allows (a grid that coarse is already far
    /// below any muscle's size). A factor of 1 returns this instance.
    /// </summary>
    /// <param name="factor">Downsampling factor, in [1, 8].</param>
    /// <param name="sizeMultiple">The size the result must be a multiple of, in [1, 2048].</param>
    /// <exception cref="ArgumentOutOfRangeException">A factor or multiple out of range.</exception>
    public PreprocessingOptions Coarsened(int factor, int sizeMultiple)
    {
        Check.InRange(factor, 1, 8, nameof(factor));
        Check.InRange(sizeMultiple, 1, 2048, nameof(sizeMultiple));
        while (factor > 1 && TargetSpacingMm * factor > MaxSpacingMm)
        {
            factor--;
        }
        if (factor == 1)
        {
            return this;
        }
        int size = (TargetSize + factor - 1) / factor;
        size = Math.Max(sizeMultiple, (size + sizeMultiple - 1) / sizeMultiple * sizeMultiple);
        return this with { TargetSize = Math.Clamp(size, 8, 2048), TargetSpacingMm = TargetSpacingMm * factor };
    }

    /// <summary>Throws <see cref="ArgumentException"/> when values are inconsistent with each other.</summary>
    public void Validate()
    {
        if (LowerPercentile >= UpperPercentile)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"LowerPercentile ({LowerPercentile}) must be below UpperPercentile ({UpperPercentile})."), nameof(LowerPercentile));
        }
    }
}
