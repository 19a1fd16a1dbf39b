using ThighSeg.Core.Volumes;

namespace ThighSeg.IO.Dicom;

/// <summary>A DICOM-SEG read back into a label volume on a target grid.</summary>
/// <param name="Labels">Label values on the target grid (0 where no segment is set).</param>
/// <param name="Segments">The segments, in Segment Number order.</param>
/// <param name="SopInstanceUid">SOP Instance UID of the SEG.</param>
/// <param name="SeriesInstanceUid">Series Instance UID of the SEG.</param>
/// <param name="StudyInstanceUid">Study Instance UID.</param>
/// <param name="ReferencedSeriesInstanceUids">Series the SEG references (Referenced Series Sequence).</param>
/// <param name="FrameOfReferenceUid">Frame of Reference UID, or null.</param>
public sealed record DicomSegmentation(
    Volume<int> Labels,
    IReadOnlyList<DicomSegment> Segments,
    string SopInstanceUid,
    string SeriesInstanceUid,
    string StudyInstanceUid,
    IReadOnlyList<string> ReferencedSeriesInstanceUids,
    string? FrameOfReferenceUid);
