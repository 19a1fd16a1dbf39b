namespace ThighSeg.IO.Dicom;

/// <summary>One segment of a DICOM-SEG as read back.</summary>
/// <param name="Number">Segment Number.</param>
/// <param name="Label">Segment Label.</param>
/// <param name="LabelValue">The label value it was given in the label volume.</param>
/// <param name="Category">Segmented Property Category, or null when absent.</param>
/// <param name="Type">Segmented Property Type, or null when absent.</param>
/// <param name="TypeModifier">Segmented Property Type Modifier (laterality), or null.</param>
/// <param name="AlgorithmType">Segment Algorithm Type (AUTOMATIC, SEMIAUTOMATIC, MANUAL).</param>
/// <param name="AlgorithmName">Segment Algorithm Name, or null.</param>
/// <param name="Frames">Frames of this segment in the object.</param>
public sealed record DicomSegment(int Number, string Label, int LabelValue, DicomCode? Category, DicomCode? Type, DicomCode? TypeModifier, string? AlgorithmType, string? AlgorithmName, int Frames);
