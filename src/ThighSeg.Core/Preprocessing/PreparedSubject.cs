using System.Globalization;
using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Preprocessing;

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

    /// <summary>
    /// What is lost when a part's body is larger than the network frame (<see cref="StackGeometry.IsCropped"/>): one
    /// sentence naming the subject, each cropped part with its extent, and the frame, such as
    /// <c>sub-003: right 254.7 mm, left 249.1 mm are larger than the 192.0 mm network frame: their edges are cropped</c>;
    /// null when every part fits.
    /// </summary>
    public string? CropWarning
    {
        get
        {
            var cropped = Geometry.Where(g => g.IsCropped).ToList();
            if (cropped.Count == 0)
            {
                return null;
            }
            string parts = string.Join(", ", cropped.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Part} {g.BodyExtentMm:0.0} mm")));
            return string.Create(CultureInfo.InvariantCulture,
                $"{SubjectId}: {parts} {(cropped.Count == 1 ? "is" : "are")} larger than the {cropped[0].FrameMm:0.0} mm network frame: {(cropped.Count == 1 ? "its" : "their")} edges are cropped");
        }
    }

    /// <summary>
    /// One sentence for many <see cref="CropWarning"/>s, naming the first three, such as <c>7 training subject(s) have
    /// a thigh larger than the network frame, whose edges were not trained on: sub-007: ...; and 4 more.</c> (the front
    /// end adds what to change); null when <paramref name="cropWarnings"/> is empty.
    /// </summary>
    /// <param name="cropWarnings">The crop warnings, one per subject or case.</param>
    /// <param name="what">What they are, e.g. <c>training subject(s)</c> or <c>case(s)</c>.</param>
    /// <param name="lost">What happens to the cropped edges, e.g. <c>are not segmented</c>.</param>
    public static string? DescribeCrops(IReadOnlyCollection<string> cropWarnings, string what, string lost)
    {
        ArgumentNullException.ThrowIfNull(cropWarnings);
        if (cropWarnings.Count == 0)
        {
            return null;
        }
        string shown = string.Join("; ", cropWarnings.Take(3)) + (cropWarnings.Count > 3 ? string.Create(CultureInfo.InvariantCulture, $"; and {cropWarnings.Count - 3} more") : "");
        return string.Create(CultureInfo.InvariantCulture, $"{cropWarnings.Count} {what} have a thigh larger than the network frame, whose edges {lost}: {shown}.");
    }
}
