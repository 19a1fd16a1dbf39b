using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.IO;

/// <summary>
/// Core's <see cref="IVolumeSource"/> over a <see cref="VolumeFormats"/> registry, so datasets (<see cref="Dataset"/>)
/// read NIfTI files and DICOM series by extension or folder content.
/// </summary>
/// <remarks>Thread-safe when the registry's readers are (the built-in ones are).</remarks>
public sealed class VolumeFormatsSource : IVolumeSource
{
    private readonly VolumeFormats _formats;
    private readonly VolumeReadOptions? _options;

    /// <summary>Creates a source over <paramref name="formats"/> (default: <see cref="VolumeFormats.Default"/>).</summary>
    public VolumeFormatsSource(VolumeFormats? formats = null, VolumeReadOptions? options = null)
    {
        _formats = formats ?? VolumeFormats.Default;
        _options = options;
    }

    /// <inheritdoc />
    /// <exception cref="VolumeFormatException">The file is malformed or unsupported.</exception>
    public Volume<float> Load(string path) => _formats.Read(path, _options).Image;
}
