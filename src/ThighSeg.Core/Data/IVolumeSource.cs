using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Data;

/// <summary>
/// Loads a volume from a path, so that Core can read datasets without depending on file formats. ThighSeg.IO provides
/// the implementation over its reader registry (NIfTI, DICOM); tests can use <see cref="VolumeSource.FromDelegate"/>.
/// </summary>
public interface IVolumeSource
{
    /// <summary>Reads the volume at <paramref name="path"/> as float voxel values with its RAS+ geometry.</summary>
    /// <exception cref="ThighSegException">The file is missing, malformed or unsupported (implementations throw a subclass).</exception>
    Volume<float> Load(string path);
}
