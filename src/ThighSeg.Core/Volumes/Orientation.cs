using System.Numerics;

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

/// <summary>
/// An exact axis permutation and flip between an original voxel grid and its canonical RAS+ counterpart, as produced by
/// <see cref="Orientation.ToCanonical{T}"/>. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Canonical axis <c>a</c> is original axis <see cref="SourceAxis"/>[a], reversed when <see cref="Reversed"/>[a].
/// <see cref="ToOriginal{T}"/> returns the original affine bit for bit (the transform remembers it) and the original
/// voxel order, so <c>ToOriginal(ToCanonical(v))</c> equals <c>v</c> exactly.
/// </remarks>
public sealed class OrientationTransform
{
    private readonly int[] _sourceAxis;
    private readonly bool[] _reversed;

    private OrientationTransform(VolumeShape originalShape, Affine originalAffine, int[] sourceAxis, bool[] reversed)
    {
        OriginalShape = originalShape;
        OriginalAffine = originalAffine;
        _sourceAxis = sourceAxis;
        _reversed = reversed;
        int[] n = [originalShape.X, originalShape.Y, originalShape.Z];
        CanonicalShape = new VolumeShape(n[sourceAxis[0]], n[sourceAxis[1]], n[sourceAxis[2]]);
        // canonical index c maps to original index o: o[src[a]] = reversed[a] ? n[src[a]] - 1 - c[a] : c[a].
        var m = new double[16];
        m[15] = 1;
        for (int a = 0; a < 3; a++)
        {
            int s = sourceAxis[a];
            m[(s * 4) + a] = reversed[a] ? -1 : 1;
            m[(s * 4) + 3] = reversed[a] ? n[s] - 1 : 0;
        }
        CanonicalAffine = originalAffine.Multiply(Affine.FromRowMajor(m));
    }

    /// <summary>Shape of the original grid.</summary>
    public VolumeShape OriginalShape { get; }

    /// <summary>Affine of the original grid.</summary>
    public Affine OriginalAffine { get; }

    /// <summary>Shape of the canonical (RAS+) grid.</summary>
    public VolumeShape CanonicalShape { get; }

    /// <summary>Affine of the canonical grid: same world positions, axes toward R, A, S.</summary>
    public Affine CanonicalAffine { get; }

    /// <summary>For each canonical axis, the original axis it comes from (0, 1, 2).</summary>
    public IReadOnlyList<int> SourceAxis => _sourceAxis;

    /// <summary>For each canonical axis, whether the original axis is traversed backwards.</summary>
    public IReadOnlyList<bool> Reversed => _reversed;

    /// <summary>True when the original grid is already canonical (no permutation, no flip).</summary>
    public bool IsIdentity => _sourceAxis[0] == 0 && _sourceAxis[1] == 1 && _sourceAxis[2] == 2 && !_reversed.Any(r => r);

    internal static OrientationTransform ForCanonical(VolumeShape shape, Affine affine)
    {
        AxisDirection[] dirs = Orientation.AxisDirections(affine);
        var src = new int[3];
        var rev = new bool[3];
        for (int i = 0; i < 3; i++)
        {
            src[dirs[i].WorldAxis] = i;
            rev[dirs[i].WorldAxis] = dirs[i].Flipped;
        }
        return new OrientationTransform(shape, affine, src, rev);
    }

    /// <summary>Reorients a volume on the original grid to the canonical grid (a new volume; the input is not changed).</summary>
    /// <exception cref="ArgumentException">The volume's shape differs from <see cref="OriginalShape"/>.</exception>
    public Volume<T> Apply<T>(Volume<T> original) where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(original);
        if (original.Shape != OriginalShape)
        {
            throw new ArgumentException($"Expected a volume of shape {OriginalShape}, got {original.Shape}.", nameof(original));
        }
        var data = new T[original.Data.Length];
        Gather(original.Data, data, forward: true);
        return new Volume<T>(CanonicalShape, CanonicalAffine, data);
    }

    /// <summary>
    /// Brings a volume on the canonical grid (for example a prediction made on <see cref="Apply{T}"/>'s output) back to
    /// the original voxel order and the original affine, exactly.
    /// </summary>
    /// <exception cref="ArgumentException">The volume's shape differs from <see cref="CanonicalShape"/>, or its affine from <see cref="CanonicalAffine"/> by more than 1e-6 mm.</exception>
    public Volume<T> ToOriginal<T>(Volume<T> canonical) where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(canonical);
        if (canonical.Shape != CanonicalShape)
        {
            throw new ArgumentException($"Expected a canonical volume of shape {CanonicalShape}, got {canonical.Shape}.", nameof(canonical));
        }
        if (!canonical.Affine.ApproximatelyEquals(CanonicalAffine, 1e-6))
        {
            throw new ArgumentException($"The volume's affine {canonical.Affine} is not this transform's canonical affine {CanonicalAffine}.", nameof(canonical));
        }
        var data = new T[canonical.Data.Length];
        Gather(canonical.Data, data, forward: false);
        return new Volume<T>(OriginalShape, OriginalAffine, data);
    }

    /// <summary>Copies voxels between the grids; forward = original to canonical.</summary>
    private void Gather<T>(T[] from, T[] to, bool forward)
    {
        int[] n = [OriginalShape.X, OriginalShape.Y, OriginalShape.Z];
        long[] origStride = [1, n[0], (long)n[0] * n[1]];
        // For each canonical axis a: step in the original array and the original offset at canonical index 0.
        var step = new long[3];
        long start = 0;
        for (int a = 0; a < 3; a++)
        {
            int s = _sourceAxis[a];
            step[a] = _reversed[a] ? -origStride[s] : origStride[s];
            if (_reversed[a])
            {
                start += (n[s] - 1) * origStride[s];
            }
        }
        int cx = CanonicalShape.X, cy = CanonicalShape.Y, cz = CanonicalShape.Z;
        int canonicalIndex = 0;
        for (int k = 0; k < cz; k++)
        {
            long zOff = start + (k * step[2]);
            for (int j = 0; j < cy; j++)
            {
                long o = zOff + (j * step[1]);
                for (int i = 0; i < cx; i++, canonicalIndex++, o += step[0])
                {
                    if (forward)
                    {
                        to[canonicalIndex] = from[o];
                    }
                    else
                    {
                        to[o] = from[canonicalIndex];
                    }
                }
            }
        }
    }
}
