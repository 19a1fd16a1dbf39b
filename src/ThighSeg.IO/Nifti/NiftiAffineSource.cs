namespace ThighSeg.IO.Nifti;

/// <summary>How a NIfTI header's voxel-to-world affine was obtained.</summary>
public enum NiftiAffineSource
{
    /// <summary>From srow_x/y/z (sform_code &gt; 0).</summary>
    Sform,

    /// <summary>From the quaternion, qoffset and pixdim with qfac (sform_code = 0, qform_code &gt; 0).</summary>
    Qform,

    /// <summary>Neither code set: diagonal pixdim scaling centred on the volume with x flipped, as nibabel does (NIfTI "method 1" carries no orientation).</summary>
    PixDim,
}
