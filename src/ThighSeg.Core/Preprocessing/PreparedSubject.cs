using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Preprocessing;

/// <summary>How one network stack maps to the canonical (RAS+) voxel grid: network pixel (c, r) of slice k sits at
/// canonical voxel <c>(X0 + DirX·c·StepX, Y0 + r·StepY, k)</c>.</summary>
/// <param name="Part"><c>right</c>, <c>left</c> (mirrored: DirX = -1) or <c>whole</c>.</param>
/// <param name="X0">Canonical x of network column 0 (voxels).</param>
/// <param name="Y0">Canonical y of network row 0 (voxels).</param>
/// <param name="DirX">+1, or -1 for a mirrored stack.</param>
/// <param name="StepX">Canonical voxels per network pixel along x.</param>
/// <param name="StepY">Canonical voxels per network pixel along y.</param>
public sealed record StackGeometry(string Part, double X0, double Y0, int DirX, double StepX, double StepY);

/// <summary>
/// A subject in network space: its slice stacks (one per thigh, or one for the whole slice) and everything needed to
/// map predictions back to the original geometry (<see cref="Preprocessor.Restore"/>).
/// </summary>
/// <remarks>
/// In network space, rows run posterior to anterior and columns run medial to lateral for a thigh stack (left thighs
/// are mirrored), or towards patient right (+x) for a <c>whole</c> stack; slice k runs inferior to
/// superior with p = (k + 1) / K. Immutable after construction (the stacks' arrays belong to the caller afterwards).
/// </remarks>
public sealed class PreparedSubject
{
    internal PreparedSubject(string subjectId, IReadOnlyList<SliceStack> stacks, Volume<float> original, OrientationTransform orientation,
        IReadOnlyList<StackGeometry> geometry, int[]? splitColumns, IntensityNormalization normalization)
    {
        SubjectId = subjectId;
        Stacks = stacks;
        OriginalShape = original.Shape;
        OriginalAffine = original.Affine;
        Orientation = orientation;
        Geometry = geometry;
        SplitColumns = splitColumns;
        Normalization = normalization;
    }

    /// <summary>Subject identifier.</summary>
    public string SubjectId { get; }

    /// <summary>The network-space stacks.</summary>
    public IReadOnlyList<SliceStack> Stacks { get; }

    /// <summary>Shape of the original volume.</summary>
    public VolumeShape OriginalShape { get; }

    /// <summary>Affine of the original volume.</summary>
    public Affine OriginalAffine { get; }

    /// <summary>The reorientation between the original voxel order and canonical RAS+.</summary>
    public OrientationTransform Orientation { get; }

    /// <summary>Placement of each stack in the canonical grid.</summary>
    public IReadOnlyList<StackGeometry> Geometry { get; }

    /// <summary>Per canonical slice, the first canonical x column that belongs to the right thigh; null when thighs are not split.</summary>
    public IReadOnlyList<int>? SplitColumns { get; }

    /// <summary>The intensity normalisation applied.</summary>
    public IntensityNormalization Normalization { get; }
}

/// <summary>Intensity normalisation of one volume: clip to [Low, High], then (v - Mean) / Std.</summary>
/// <param name="Low">Lower clipping value (the lower percentile).</param>
/// <param name="High">Upper clipping value (the upper percentile).</param>
/// <param name="Mean">Mean of the clipped volume.</param>
/// <param name="Std">Standard deviation of the clipped volume (1 when it is 0).</param>
public sealed record IntensityNormalization(double Low, double High, double Mean, double Std)
{
    /// <summary>The normalised value of <paramref name="v"/>.</summary>
    public float Apply(double v) => (float)((Math.Clamp(v, Low, High) - Mean) / Std);

    /// <summary>The normalised value of the background (the lower clipping value).</summary>
    public float Background => Apply(Low);
}
