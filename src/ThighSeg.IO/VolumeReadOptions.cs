namespace ThighSeg.IO;

/// <summary>
/// Options for reading volumes, including the resource limits every reader enforces: checked against the header before
/// anything is allocated and again while data are inflated, so a small hostile file cannot make a reader allocate or
/// decompress without bound. The defaults fit a 24 GiB machine with room to spare; raise them with <c>with</c>
/// (e.g. <c>VolumeReadOptions.Default with { MaxVoxels = 1L &lt;&lt; 30 }</c>).
/// </summary>
public sealed record VolumeReadOptions
{
    /// <summary>Default <see cref="MaxVoxels"/>: 2^28 (268,435,456) voxels, 1 GiB as float32 (e.g. 1024 x 1024 x 256).</summary>
    public const long DefaultMaxVoxels = 1L << 28;

    /// <summary>Default <see cref="MaxDecompressedBytes"/>: 2 GiB.</summary>
    public const long DefaultMaxDecompressedBytes = 2L << 30;

    private readonly long _maxVoxels = DefaultMaxVoxels;
    private readonly long _maxDecompressedBytes = DefaultMaxDecompressedBytes;

    /// <summary>Most voxels one volume may have (the float32 output holds 4 bytes per voxel); larger headers are refused before allocating.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public long MaxVoxels
    {
        get => _maxVoxels;
        init => _maxVoxels = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxVoxels), value, $"{nameof(MaxVoxels)} must be positive, got {value}.");
    }

    /// <summary>
    /// Most bytes of one file held in memory: the voxel bytes of a NIfTI file (inflated, for gzip), a whole DICOM file,
    /// or its inflated dataset (deflated transfer syntax). Inflating stops with an error as soon as it is exceeded.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public long MaxDecompressedBytes
    {
        get => _maxDecompressedBytes;
        init => _maxDecompressedBytes = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxDecompressedBytes), value, $"{nameof(MaxDecompressedBytes)} must be positive, got {value}.");
    }

    /// <summary>For 4D NIfTI files, the 0-based volume (t) index to read; null means a 4D file is an error.</summary>
    public int? VolumeIndex { get; init; }

    /// <summary>For DICOM folders holding several series, the SeriesInstanceUID to read; null means several series are an error.</summary>
    public string? SeriesInstanceUid { get; init; }

    /// <summary>Defaults: 3D only, single series.</summary>
    public static VolumeReadOptions Default { get; } = new();
}
