using System.Globalization;

namespace ThighSeg.Core.Phantoms;

/// <summary>Options of the contour phantom family (<see cref="ContourPhantomGenerator"/>). Immutable; each value is
/// validated when set.</summary>
public sealed record ContourPhantomOptions
{
    /// <summary>Matrix size along the left-right axis, in pixels, for both thighs together (32..1024; default 192).</summary>
    public int MatrixX
    {
        get;
        init => field = value is >= 32 and <= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(MatrixX), value, "MatrixX must be in [32, 1024].");
    } = 192;

    /// <summary>Matrix size along the anterior-posterior axis, in pixels (16..1024; default 96).</summary>
    public int MatrixY
    {
        get;
        init => field = value is >= 16 and <= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(MatrixY), value, "MatrixY must be in [16, 1024].");
    } = 96;

    /// <summary>Fewest axial slices per subject (2..1000; default 24).</summary>
    public int MinSlices
    {
        get;
        init => field = value is >= 2 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(MinSlices), value, "MinSlices must be in [2, 1000].");
    } = 24;

    /// <summary>Most axial slices per subject (2..1000, at least <see cref="MinSlices"/>; default 48).</summary>
    public int MaxSlices
    {
        get;
        init => field = value is >= 2 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(MaxSlices), value, "MaxSlices must be in [2, 1000].");
    } = 48;

    /// <summary>Fraction of subjects stored in LPS voxel order (x and y axes reversed, as DICOM-ordered converters
    /// write) instead of RAS (0..1; default 0.3).</summary>
    public double FlippedFraction
    {
        get;
        init => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(FlippedFraction), value, "FlippedFraction must be in [0, 1].");
    } = 0.3;

    /// <summary>Add Rician noise (default true).</summary>
    public bool Noise { get; init; } = true;

    /// <summary>Apply a smooth multiplicative receive-coil bias field (default true).</summary>
    public bool BiasField { get; init; } = true;

    /// <summary>Defaults: 192x96 pixels, 24 to 48 slices, 30% stored LPS, noise and bias field.</summary>
    public static ContourPhantomOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> when options are inconsistent with each other.</summary>
    public void Validate()
    {
        if (MinSlices > MaxSlices)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"MinSlices ({MinSlices}) must not exceed MaxSlices ({MaxSlices})."), nameof(MinSlices));
        }
    }
}
