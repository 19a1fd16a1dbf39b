namespace ThighSeg.IO.Dicom;

/// <summary>What <see cref="DicomSegWriter"/> wrote.</summary>
/// <param name="SopInstanceUid">SOP Instance UID of the SEG.</param>
/// <param name="SeriesInstanceUid">Series Instance UID of the new SEG series.</param>
/// <param name="StudyInstanceUid">Study Instance UID (the source's).</param>
/// <param name="Segments">Number of segments (one per foreground label of the label map).</param>
/// <param name="Frames">Number of frames stored (non-empty segment slices only).</param>
/// <param name="Bytes">Size of the encoded object.</param>
public sealed record DicomSegSummary(string SopInstanceUid, string SeriesInstanceUid, string StudyInstanceUid, int Segments, int Frames, long Bytes);
