namespace ThighSeg.Core.Volumes;

/// <summary>Where one voxel axis points in world (RAS+) space.</summary>
/// <param name="WorldAxis">0 = x (Left to Right), 1 = y (Posterior to Anterior), 2 = z (Inferior to Superior).</param>
/// <param name="Flipped">True when increasing the voxel index moves toward the negative end of that world axis (L, P or I).</param>
public readonly record struct AxisDirection(int WorldAxis, bool Flipped)
{
    /// <summary>The letter nibabel's <c>aff2axcodes</c> gives this axis: R/L, A/P or S/I (the end the index runs toward).</summary>
    public char Code => (WorldAxis, Flipped) switch
    {
        (0, false) => 'R',
        (0, true) => 'L',
        (1, false) => 'A',
        (1, true) => 'P',
        (2, false) => 'S',
        _ => 'I',
    };
}
