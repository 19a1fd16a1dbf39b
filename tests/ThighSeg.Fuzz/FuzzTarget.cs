namespace ThighSeg.Fuzz;

/// <summary>The parsers the fuzzer drives, each through the entry point a user reaches (a file or folder on disk).</summary>
internal enum FuzzTarget
{
    /// <summary>A NIfTI-1/2 file (<c>.nii</c> or <c>.nii.gz</c>) read by the volume reader registry.</summary>
    Nifti,

    /// <summary>One DICOM file read as a single image.</summary>
    DicomFile,

    /// <summary>A DICOM series folder: the mutated slice beside two intact slices of the same series.</summary>
    DicomSeries,

    /// <summary><c>labels.json</c> read by <c>LabelMap.Load</c>, the one reader.</summary>
    Labels,

    /// <summary>A dataset <c>manifest.csv</c> read by <c>DatasetManifest.Load</c>.</summary>
    DatasetManifest,

    /// <summary>A model folder's <c>manifest.json</c> read by <c>ModelArtifact.ReadManifest</c> (budget included) and its preprocessing block.</summary>
    ModelManifest,
}
