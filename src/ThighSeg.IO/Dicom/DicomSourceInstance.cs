namespace ThighSeg.IO.Dicom;

/// <summary>One image of a source series, as a derived object (DICOM-SEG) references it.</summary>
/// <param name="SopClassUid">SOP Class UID.</param>
/// <param name="SopInstanceUid">SOP Instance UID.</param>
/// <param name="Position">ImagePositionPatient (LPS mm), or null when absent.</param>
/// <param name="Orientation">ImageOrientationPatient (row then column direction cosines), or null when absent.</param>
/// <param name="NumberOfFrames">Frames in the instance (1 for classic single-frame images).</param>
/// <param name="File">The file it was read from.</param>
public sealed record DicomSourceInstance(string SopClassUid, string SopInstanceUid, double[]? Position, double[]? Orientation, int NumberOfFrames, string File);
