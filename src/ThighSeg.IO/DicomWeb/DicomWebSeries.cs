namespace ThighSeg.IO.DicomWeb;

/// <summary>A series found by a QIDO-RS search.</summary>
/// <param name="StudyInstanceUid">Study Instance UID.</param>
/// <param name="SeriesInstanceUid">Series Instance UID.</param>
/// <param name="Modality">Modality (e.g. MR, SEG), or null.</param>
/// <param name="SeriesNumber">Series Number, or null.</param>
/// <param name="SeriesDescription">Series Description, or null.</param>
/// <param name="Instances">Number of Series Related Instances, or null when the server does not say.</param>
public sealed record DicomWebSeries(string StudyInstanceUid, string SeriesInstanceUid, string? Modality, string? SeriesNumber, string? SeriesDescription, int? Instances);
