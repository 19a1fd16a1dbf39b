namespace ThighSeg.Core.Preprocessing;

/// <summary>One training image's geometry, as measured by <see cref="Preprocessor.Measure"/>.</summary>
/// <param name="SubjectId">The subject.</param>
/// <param name="SpacingXMm">Canonical x (left-right) voxel spacing, mm.</param>
/// <param name="SpacingYMm">Canonical y (posterior-anterior) voxel spacing, mm.</param>
/// <param name="SpacingZMm">Slice spacing, mm.</param>
/// <param name="Slices">Number of axial slices.</param>
/// <param name="ExtentWidthMm">Largest width of a part's (half-thigh's) body bounding box over all slices, mm.</param>
/// <param name="ExtentHeightMm">Largest height of a part's body bounding box over all slices, mm.</param>
public sealed record SubjectGeometry(string SubjectId, double SpacingXMm, double SpacingYMm, double SpacingZMm, int Slices, double ExtentWidthMm, double ExtentHeightMm)
{
    /// <summary>The larger of the two extents: the side a square network frame must cover.</summary>
    public double ExtentMm => Math.Max(ExtentWidthMm, ExtentHeightMm);
}
