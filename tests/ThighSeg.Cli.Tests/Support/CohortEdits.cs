using ThighSeg.Core.Volumes;
using ThighSeg.IO.Nifti;

namespace ThighSeg.Cli.Tests.Support;

/// <summary>Edits of synthesised cohort files that real data brings (for example a file whose origin was reset).</summary>
internal static class CohortEdits
{
    /// <summary>Rewrites the NIfTI image at <paramref name="path"/> with its origin moved <paramref name="mm"/> along the
    /// scanner's z (the table axis); the voxels are unchanged.</summary>
    public static void MoveAlongTable(string path, double mm)
    {
        var image = new NiftiReader().Read(path).Image;
        var m = image.Affine.RowMajor.ToArray();
        m[11] += mm;
        new NiftiWriter().WriteImage(path, new Volume<float>(image.Shape, Affine.FromRowMajor(m), image.Data));
    }
}
