using System.Numerics;

namespace ThighSeg.Core.Volumes;

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
