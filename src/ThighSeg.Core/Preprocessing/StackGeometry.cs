namespace ThighSeg.Core.Preprocessing;

/// <summary>How one network stack maps to the canonical (RAS+) voxel grid: network pixel (c, r) of slice k sits at
/// canonical voxel <c>(X0 + DirX·c·StepX, Y0 + r·StepY, k)</c>.</summary>
/// <param name="Part"><c>right</c>, <c>left</c> (mirrored: DirX = -1) or <c>whole</c>.</param>
/// <param name="X0">Canonical x of network column 0 (voxels).</param>
/// <param name="Y0">Canonical y of network row 0 (voxels).</param>
/// <param name="DirX">+1, or -1 for a mirrored stack.</param>
/// <param name="StepX">Canonical voxels per network pixel along x.</param>
/// <param name="StepY">Canonical voxels per network pixel along y.</param>
/// <param name="BodyExtentMm">The larger side, in mm, of this part's body bounding box over all slices.</param>
/// <param name="FrameMm">The side of the network frame in mm (target size x target spacing).</param>
public sealed record StackGeometry(string Part, double X0, double Y0, int DirX, double StepX, double StepY, double BodyExtentMm, double FrameMm)
{
    /// <summary>Whether the part's body is larger than the frame, so that its edges fall outside the network slices
    /// (they are never segmented, and their labels do not train).</summary>
    public bool IsCropped => BodyExtentMm > FrameMm + 1e-6;
}
