using ThighSeg.Core.Volumes;

namespace ThighSeg.IO;

/// <summary>A volume read from a file or DICOM series: scaled voxel values as float32, geometry, and what was stored.</summary>
/// <param name="Image">Voxel values after scaling (NIfTI scl_slope/scl_inter, DICOM RescaleSlope/Intercept), with the RAS+ affine.</param>
/// <param name="StoredType">The on-disk voxel type.</param>
/// <param name="Source">The file or folder it came from.</param>
/// <param name="LabelNames">Label names stored with a label map (value to name), when the file carries them.</param>
public sealed record LoadedVolume(Volume<float> Image, StoredDataType StoredType, string Source, IReadOnlyDictionary<int, string>? LabelNames = null);
