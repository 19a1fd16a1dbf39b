namespace ThighSeg.IO;

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
