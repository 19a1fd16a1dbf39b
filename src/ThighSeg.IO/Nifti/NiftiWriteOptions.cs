using System.IO.Compression;

namespace ThighSeg.IO.Nifti;

/// <summary>Options for <see cref="NiftiWriter"/>. Immutable; values are validated when set.</summary>
public sealed record NiftiWriteOptions
{
    private readonly int _version = 1;
    private readonly string _description = "ThighSeg";

    /// <summary>
    /// NIfTI version: 1 (default; the affine is stored as float32, read by every tool) or 2 (float64 affine, exact for
    /// any double affine). Volumes with a dimension above 32767 are written as NIfTI-2 whatever this says.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 1 or 2.</exception>
    public int Version
    {
        get => _version;
        init => _version = value is 1 or 2 ? value : throw new ArgumentOutOfRangeException(nameof(Version), value, "NIfTI version must be 1 or 2.");
    }

    /// <summary>gzip level for <c>.nii.gz</c> (default <see cref="CompressionLevel.Fastest"/>, as nibabel's level 1).</summary>
    public CompressionLevel Compression { get; init; } = CompressionLevel.Fastest;

    /// <summary>The header's <c>descrip</c> text (ASCII, at most 79 characters).</summary>
    /// <exception cref="ArgumentException">Longer than 79 characters or not printable ASCII.</exception>
    public string Description
    {
        get => _description;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Length > 79 || value.Any(c => c is < ' ' or > '~'))
            {
                throw new ArgumentException($"Description must be at most 79 printable ASCII characters, got \"{value}\".", nameof(Description));
            }
            _description = value;
        }
    }

    /// <summary>Defaults: NIfTI-1, fastest gzip.</summary>
    public static NiftiWriteOptions Default { get; } = new();
}
