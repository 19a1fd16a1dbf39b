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

/// <summary>Options for reading volumes.</summary>
public sealed record VolumeReadOptions
{
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
