namespace ThighSeg.Core.Abstractions;

/// <summary>Where PCL takes a slice's normalised axial position from (<see cref="PretrainOptions.Positions"/>).</summary>
public enum PositionSource
{
    /// <summary>The slice's place in its own scan, <c>p = (k + 1) / K</c> (the paper's definition): slices of equal p
    /// are the same anatomy only when every scan covers the same anatomical range.</summary>
    SliceIndex,

    /// <summary>The scanner's axial coordinate (z of the slice centre, from the file's affine), scaled over the whole
    /// pretraining set to [0, 1]: slices at the same table position relative to the landmark are positives even when
    /// the scans cover different ranges. Needs files whose origin is the acquisition's (NIfTI and DICOM keep it).</summary>
    ScannerZ,
}
