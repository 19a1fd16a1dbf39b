namespace ThighSeg.IO.Cohort;

/// <summary>One case of a cohort job: one NIfTI file or one DICOM series.</summary>
/// <param name="Id">Unique, ordinal-sortable id: the path relative to the input root without the image extension
/// (forward slashes), or the manifest's subject. Outputs are named after it.</param>
/// <param name="Source">Absolute path of the NIfTI file or DICOM series folder.</param>
/// <param name="ReadOptions">How to read it (4D volume index, DICOM series).</param>
public sealed record CohortCase(string Id, string Source, VolumeReadOptions ReadOptions);
