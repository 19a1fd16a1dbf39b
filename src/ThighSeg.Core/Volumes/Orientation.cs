using System.Numerics;

namespace ThighSeg.Core.Volumes;

/// <summary>
/// Orientation of voxel grids relative to RAS+ world space: axis codes (as nibabel's <c>aff2axcodes</c>) and exact
/// reorientation to the canonical RAS+ voxel order and back.
/// </summary>
/// <remarks>
/// Reorientation only permutes and flips voxel axes (no resampling), so voxel values are moved, never changed, and the
/// world position of every voxel is preserved: the affine is updated by the same permutation and flips. All members are
/// pure functions and thread-safe.
/// </remarks>
public static class Orientation
{
    /// <summary>
    /// For each voxel axis (i, j, k), the world axis it is closest to, with nibabel's <c>io_orientation</c> algorithm:
    /// the direction cosines are replaced by the closest orthogonal matrix (polar decomposition), then each voxel axis in
    /// turn takes the world axis of its largest component, removing that world axis from later choices.
    /// </summary>
    /// <exception cref="ArgumentException">The affine's 3x3 part is singular (a voxel axis has no direction).</exception>
    public static AxisDirection[] AxisDirections(Affine affine)
    {
        ArgumentNullException.ThrowIfNull(affine);
        var rs = new double[3, 3];
        for (int c = 0; c < 3; c++)
        {
            double norm = Math.Sqrt((affine[0, c] * affine[0, c]) + (affine[1, c] * affine[1, c]) + (affine[2, c] * affine[2, c]));
            if (norm == 0 || !double.IsFinite(norm))
            {
                throw new ArgumentException($"Voxel axis {c} has no direction in the affine {affine}.", nameof(affine));
            }
            for (int r = 0; r < 3; r++)
            {
                rs[r, c] = affine[r, c] / norm;
            }
        }
        double[,] rot = ClosestOrthogonal(rs) ?? throw new ArgumentException($"The affine {affine} is singular.", nameof(affine));
        var result = new AxisDirection[3];
        for (int inAx = 0; inAx < 3; inAx++)
        {
            int best = -1;
            double bestAbs = -1;
            for (int r = 0; r < 3; r++)
            {
                double a = Math.Abs(rot[r, inAx]);
                if (a > bestAbs)
                {
                    bestAbs = a;
                    best = r;
                }
            }
            if (bestAbs <= 1e-8)
            {
                throw new ArgumentException($"Voxel axis {inAx} of the affine {affine} is degenerate.", nameof(affine));
            }
            result[inAx] = new AxisDirection(best, rot[best, inAx] < 0);
            for (int c = 0; c < 3; c++)
            {
                rot[best, c] = 0;
            }
        }
        return result;
    }

    /// <summary>The three-letter axis codes of an affine, e.g. <c>"RAS"</c>, <c>"LAS"</c>, <c>"LPS"</c> (nibabel's <c>aff2axcodes</c>).</summary>
    /// <exception cref="ArgumentException">The affine is singular.</exception>
    public static string AxisCodes(Affine affine) => new(AxisDirections(affine).Select(d => d.Code).ToArray());

    /// <summary>
    /// Reorients <paramref name="volume"/> to canonical RAS+ voxel order (i toward Right, j toward Anterior, k toward
    /// Superior) by permuting and flipping axes. Returns the new volume (a copy, even when already RAS) and the transform
    /// that <see cref="OrientationTransform.ToOriginal{T}"/> uses to restore the original voxel order exactly.
    /// </summary>
    /// <exception cref="ArgumentException">The affine is singular.</exception>
    public static (Volume<T> Canonical, OrientationTransform Transform) ToCanonical<T>(Volume<T> volume) where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(volume);
        var transform = OrientationTransform.ForCanonical(volume.Shape, volume.Affine);
        return (transform.Apply(volume), transform);
    }

    /// <summary>Closest orthogonal matrix to <paramref name="m"/> (polar decomposition by Newton iteration), or null when singular.</summary>
    private static double[,]? ClosestOrthogonal(double[,] m)
    {
        var x = (double[,])m.Clone();
        for (int iter = 0; iter < 100; iter++)
        {
            double[,]? invT = InverseTranspose(x);
            if (invT is null)
            {
                return null;
            }
            double change = 0;
            for (int r = 0; r < 3; r++)
            {
                for (int c = 0; c < 3; c++)
                {
                    double next = 0.5 * (x[r, c] + invT[r, c]);
                    change = Math.Max(change, Math.Abs(next - x[r, c]));
                    x[r, c] = next;
                }
            }
            if (change < 1e-15)
            {
                break;
            }
        }
        return x;
    }

    private static double[,]? InverseTranspose(double[,] m)
    {
        double a = m[0, 0], b = m[0, 1], c = m[0, 2], d = m[1, 0], e = m[1, 1], f = m[1, 2], g = m[2, 0], h = m[2, 1], i = m[2, 2];
        double det = (a * ((e * i) - (f * h))) - (b * ((d * i) - (f * g))) + (c * ((d * h) - (e * g)));
        if (Math.Abs(det) < 1e-12)
        {
            return null;
        }
        // Inverse is adj/det; its transpose is the cofactor matrix / det.
        return new double[,]
        {
            { ((e * i) - (f * h)) / det, ((f * g) - (d * i)) / det, ((d * h) - (e * g)) / det },
            { ((c * h) - (b * i)) / det, ((a * i) - (c * g)) / det, ((b * g) - (a * h)) / det },
            { ((b * f) - (c * e)) / det, ((c * d) - (a * f)) / det, ((a * e) - (b * d)) / det },
        };
    }
}
