namespace ThighSeg.Core.Phantoms;

/// <summary>Options of the thigh phantom generator. Immutable; each value is validated when set.</summary>
public sealed record PhantomOptions
{
    /// <summary>In-plane matrix size along the left-right axis, in pixels (32..1024; default 256). The anterior-posterior
    /// size follows from the field of view (about 0.55 to 0.75 of it).</summary>
    public int MatrixSize
    {
        get;
        init => field = value is >= 32 and <= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(MatrixSize), value, "MatrixSize must be in [32, 1024].");
    } = 256;

    /// <summary>Fewest axial slices per subject (2..1000; default 20).</summary>
    public int MinSlices
    {
        get;
        init => field = value is >= 2 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(MinSlices), value, "MinSlices must be in [2, 1000].");
    } = 20;

    /// <summary>Most axial slices per subject (2..1000, at least <see cref="MinSlices"/>; default 80).</summary>
    public int MaxSlices
    {
        get;
        init => field = value is >= 2 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(MaxSlices), value, "MaxSlices must be in [2, 1000].");
    } = 80;

    /// <summary>Add Rician noise (default true). Turn off for noiseless images in tests.</summary>
    public bool Noise { get; init; } = true;

    /// <summary>Apply a smooth multiplicative bias field (default true).</summary>
    public bool BiasField { get; init; } = true;

    /// <summary>Store volumes with randomly chosen left-right and superior-inferior voxel axis directions, as scanners and
    /// converters do (default true). When false, volumes are stored in RAS+ voxel order.</summary>
    public bool RandomAxisDirections { get; init; } = true;

    /// <summary>Also generate water and fat (Dixon) images with a known fat fraction (default false): see <see cref="PhantomDixon"/>.
    /// The T1w-like image is the same with or without.</summary>
    public bool Dixon { get; init; }

    /// <summary>Scale of the left thigh's muscle compartment relative to its drawn size (0.5..1.5; default 1), for
    /// deliberately asymmetric subjects.</summary>
    public double LeftThighScale
    {
        get;
        init => field = value is >= 0.5 and <= 1.5 ? value : throw new ArgumentOutOfRangeException(nameof(LeftThighScale), value, "LeftThighScale must be in [0.5, 1.5].");
    } = 1.0;

    /// <summary>Defaults: 256 pixels, 20 to 80 slices, noise, bias field, random axis directions.</summary>
    public static PhantomOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> when options are inconsistent with each other.</summary>
    public void Validate()
    {
        if (MinSlices > MaxSlices)
        {
            throw new ArgumentException($"MinSlices ({MinSlices}) must not exceed MaxSlices ({MaxSlices}).", nameof(MinSlices));
        }
    }
}
