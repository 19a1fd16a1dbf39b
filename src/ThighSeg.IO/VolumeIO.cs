using ThighSeg.Core;
using ThighSeg.Core.Volumes;

namespace ThighSeg.IO;

/// <summary>The voxel type a file stores, as reported by <c>thighseg info</c> (e.g. <c>int16</c>, <c>float32</c>).</summary>
/// <param name="Name">Lower-case type name: uint8, int8, int16, uint16, int32, uint32, float32, float64.</param>
public readonly record struct StoredDataType(string Name)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>A volume read from a file or DICOM series: scaled voxel values as float32, geometry, and what was stored.</summary>
/// <param name="Image">Voxel values after scaling (NIfTI scl_slope/scl_inter, DICOM RescaleSlope/Intercept), with the RAS+ affine.</param>
/// <param name="StoredType">The on-disk voxel type.</param>
/// <param name="Source">The file or folder it came from.</param>
/// <param name="LabelNames">Label names stored with a label map (value to name), when the file carries them.</param>
public sealed record LoadedVolume(Volume<float> Image, StoredDataType StoredType, string Source, IReadOnlyDictionary<int, string>? LabelNames = null);

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

/// <summary>Reads one volume format.</summary>
public interface IVolumeReader
{
    /// <summary>A short format name (e.g. <c>NIfTI</c>, <c>DICOM</c>).</summary>
    string FormatName { get; }

    /// <summary>True when this reader handles <paramref name="path"/> (by extension, or by folder content for DICOM).</summary>
    bool CanRead(string path);

    /// <summary>Reads the volume.</summary>
    /// <exception cref="VolumeFormatException">The file is malformed or unsupported; the message says what and where.</exception>
    LoadedVolume Read(string path, VolumeReadOptions? options = null);
}

/// <summary>Writes volumes in one format, atomically (a temporary file renamed over the target).</summary>
public interface IVolumeWriter
{
    /// <summary>A short format name.</summary>
    string FormatName { get; }

    /// <summary>True when this writer handles the extension of <paramref name="path"/>.</summary>
    bool CanWrite(string path);

    /// <summary>Writes a float32 image.</summary>
    void WriteImage(string path, Volume<float> image);

    /// <summary>Writes an integer label map, with optional label names (value to name).</summary>
    void WriteLabels(string path, Volume<int> labels, IReadOnlyDictionary<int, string>? labelNames = null);
}

/// <summary>A malformed, truncated or unsupported volume file or DICOM series.</summary>
public class VolumeFormatException : ThighSegException
{
    /// <summary>Creates the exception with no message.</summary>
    public VolumeFormatException() { }

    /// <summary>Creates the exception with a message that says what is wrong and where.</summary>
    public VolumeFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public VolumeFormatException(string message, Exception innerException) : base(message, innerException) { }
}
