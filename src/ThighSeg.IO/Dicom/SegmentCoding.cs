namespace ThighSeg.IO.Dicom;

/// <summary>How one segment is coded in a DICOM-SEG Segment Sequence item.</summary>
/// <param name="Category">Segmented Property Category (e.g. Anatomical Structure).</param>
/// <param name="Type">Segmented Property Type (e.g. Vastus lateralis muscle).</param>
/// <param name="Laterality">Segmented Property Type Modifier for a side-specific label (Left or Right), or null.</param>
/// <param name="Source">Where the type code comes from (a key of the code table's sources); <c>unverified</c> for a generic parent code.</param>
public sealed record SegmentCoding(DicomCode Category, DicomCode Type, DicomCode? Laterality, string Source);
