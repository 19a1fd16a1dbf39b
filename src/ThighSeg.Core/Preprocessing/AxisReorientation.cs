using System.Numerics;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Preprocessing;

/// <summary>
/// A permutation and flip of voxel axes that brings a volume to the closest canonical RAS+ voxel order (first axis
/// towards patient Right, second Anterior, third Superior) and back, exactly (voxel values are only moved).
/// </summary>
/// <remarks>Immutable and thread-safe. Axis matching is greedy on the largest absolute direction cosine, as nibabel's
/// <c>io_orientation</c> does for non-degenerate affines.</remarks>
public sealed class AxisReorientation
{
    private readonly int[] _source;   // canonical axis a comes from source voxel axis _source[a]
    private readonly bool[] _flip;    // ... reversed when _flip[a]

    private AxisReorientation(VolumeShape sourceShape, int[] source, bool[] flip)
    {
        SourceShape = sourceShape;
        _source = source;
        _flip = flip;
        int[] d = [sourceShape.X, sourceShape.Y, sourceShape.Z];
        CanonicalShape = new VolumeShape(d[source[0]], d[source[1]], d[source[2]]);
    }

    /// <summary>Shape of the original volume.</summary>
    public VolumeShape SourceShape { get; }

    /// <summary>Shape of the canonical volume.</summary>
    public VolumeShape CanonicalShape { get; }

    /// <summary>True when the source is already in RAS+ voxel order (the transform is the identity).</summary>
    public bool IsIdentity => _source[0] == 0 && _source[1] == 1 && _source[2] == 2 && !_flip[0] && !_flip[1] && !_flip[2];

    /// <summary>Orientation code of the source voxel axes, e.g. <c>LAS</c>: the world direction each voxel axis increases towards.</summary>
    public string SourceCode
    {
        get
        {
            var code = new char[3];
            for (int a = 0; a < 3; a++)
            {
                code[_source[a]] = _flip[a] ? "LPI"[a] : "RAS"[a];
            }
            return new string(code);
        }
    }

    /// <summary>Plans the reorientation of a volume with shape <paramref name="shape"/> and affine <paramref name="affine"/>.</summary>
    public static AxisReorientation For(VolumeShape shape, Affine affine)
    {
        ArgumentNullException.ThrowIfNull(affine);
        var m = new double[3, 3];
        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                m[r, c] = affine[r, c];
            }
        }
        var source = new int[3];
        var flip = new bool[3];
        var usedRow = new bool[3];
        var usedCol = new bool[3];
        for (int step = 0; step < 3; step++)
        {
            double best = -1;
            int br = -1, bc = -1;
            for (int r = 0; r < 3; r++)
            {
                for (int c = 0; c < 3; c++)
                {
                    if (!usedRow[r] && !usedCol[c] && Math.Abs(m[r, c]) > best)
                    {
                        best = Math.Abs(m[r, c]);
                        br = r;
                        bc = c;
                    }
                }
            }
            usedRow[br] = true;
            usedCol[bc] = true;
            source[br] = bc;
            flip[br] = m[br, bc] < 0;
        }
        return new AxisReorientation(shape, source, flip);
    }

    /// <summary>The affine of the canonical volume (same world positions of every voxel).</summary>
    public Affine CanonicalAffine(Affine sourceAffine)
    {
        ArgumentNullException.ThrowIfNull(sourceAffine);
        // T maps canonical voxel indices to source voxel indices.
        var t = new double[16];
        int[] d = [SourceShape.X, SourceShape.Y, SourceShape.Z];
        for (int a = 0; a < 3; a++)
        {
            int s = _source[a];
            t[(s * 4) + a] = _flip[a] ? -1 : 1;
            t[(s * 4) + 3] = _flip[a] ? d[s] - 1 : 0;
        }
        t[15] = 1;
        return sourceAffine.Multiply(Affine.FromRowMajor(t));
    }

    /// <summary>Reorients a volume to canonical RAS+ voxel order (a new volume; the input is unchanged).</summary>
    /// <exception cref="ArgumentException">The volume's shape differs from <see cref="SourceShape"/>.</exception>
    public Volume<T> ToCanonical<T>(Volume<T> volume) where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(volume);
        CheckShape(volume.Shape, SourceShape);
        var dst = new T[volume.Data.Length];
        Map(volume.Data, dst, toCanonical: true);
        return new Volume<T>(CanonicalShape, CanonicalAffine(volume.Affine), dst);
    }

    /// <summary>Brings a canonical volume back to the source voxel order, with <paramref name="sourceAffine"/> as its affine.</summary>
    /// <exception cref="ArgumentException">The volume's shape differs from <see cref="CanonicalShape"/>.</exception>
    public Volume<T> FromCanonical<T>(Volume<T> canonical, Affine sourceAffine) where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(canonical);
        CheckShape(canonical.Shape, CanonicalShape);
        var dst = new T[canonical.Data.Length];
        Map(canonical.Data, dst, toCanonical: false);
        return new Volume<T>(SourceShape, sourceAffine, dst);
    }

    private static void CheckShape(VolumeShape actual, VolumeShape expected)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"Volume shape {actual} does not match the planned shape {expected}.");
        }
    }

    private void Map<T>(T[] src, T[] dst, bool toCanonical)
    {
        int[] d = [SourceShape.X, SourceShape.Y, SourceShape.Z];
        int[] stride = [1, SourceShape.X, SourceShape.X * SourceShape.Y];
        var cs = CanonicalShape;
        // Source linear index of canonical voxel (x, y, z) = base + x*sx + y*sy + z*sz.
        long baseIndex = 0;
        var step = new long[3];
        for (int a = 0; a < 3; a++)
        {
            int s = _source[a];
            step[a] = _flip[a] ? -stride[s] : stride[s];
            if (_flip[a])
            {
                baseIndex += (long)(d[s] - 1) * stride[s];
            }
        }
        int n = 0;
        for (int z = 0; z < cs.Z; z++)
        {
            for (int y = 0; y < cs.Y; y++)
            {
                long si = baseIndex + (z * step[2]) + (y * step[1]);
                for (int x = 0; x < cs.X; x++, n++, si += step[0])
                {
                    if (toCanonical)
                    {
                        dst[n] = src[si];
                    }
                    else
                    {
                        dst[si] = src[n];
                    }
                }
            }
        }
    }
}
