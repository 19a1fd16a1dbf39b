namespace ThighSeg.IO.Cohort;

/// <summary>The per-case files a <see cref="CohortPredictionJob"/> writes besides its tables (combine with <c>|</c>).</summary>
[Flags]
public enum CohortOutputKinds
{
    /// <summary>Nothing (not valid on its own: a job writes at least one label file).</summary>
    None = 0,

    /// <summary>The NIfTI label map <c>&lt;case&gt;.nii.gz</c> (<see cref="CohortOutput.LabelPath"/>).</summary>
    Nifti = 1,

    /// <summary>The DICOM Segmentation object <c>&lt;case&gt;.seg.dcm</c> (<see cref="CohortOutput.SegPath"/>), only for a
    /// DICOM series input: it references the source images (a NIfTI case fails with a message saying so).</summary>
    DicomSeg = 2,

    /// <summary>The QC preview <c>cases/&lt;case&gt;/preview.png</c> (<see cref="CohortOutput.PreviewPath"/>).</summary>
    Preview = 4,
}
