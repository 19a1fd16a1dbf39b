using System.Numerics;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Quantification;

/// <summary>Test helper: the same voxels in another storage order (axes permuted and flipped, world positions kept).</summary>
internal static class StorageOrder
{
    /// <summary>New axis a is old axis <paramref name="perm"/>[a], reversed when <paramref name="flip"/>[a].</summary>
    public static Volume<T> Reorder<T>(Volume<T> v, int[] perm, bool[] flip) where T : unmanaged, INumber<T>
    {
        int[] n = [v.Shape.X, v.Shape.Y, v.Shape.Z];
        var shape = new VolumeShape(n[perm[0]], n[perm[1]], n[perm[2]]);
        var data = new T[v.Data.Length];
        var o = new int[3];
        for (int k = 0; k < shape.Z; k++)
        {
            for (int j = 0; j < shape.Y; j++)
            {
                for (int i = 0; i < shape.X; i++)
                {
                    int[] idx = [i, j, k];
                    for (int a = 0; a < 3; a++)
                    {
                        o[perm[a]] = flip[a] ? n[perm[a]] - 1 - idx[a] : idx[a];
                    }
                    data[shape.Index(i, j, k)] = v[o[0], o[1], o[2]];
                }
            }
        }
        // new index -> old index: o[perm[a]] = flip ? n-1-new[a] : new[a].
        var m = new double[16];
        m[15] = 1;
        for (int a = 0; a < 3; a++)
        {
            m[(perm[a] * 4) + a] = flip[a] ? -1 : 1;
            m[(perm[a] * 4) + 3] = flip[a] ? n[perm[a]] - 1 : 0;
        }
        return new Volume<T>(shape, v.Affine.Multiply(Affine.FromRowMajor(m)), data);
    }

    /// <summary>Storage orders tested: name, permutation, flips.</summary>
    public static IEnumerable<(string Name, int[] Perm, bool[] Flip)> All()
    {
        yield return ("RAS", [0, 1, 2], [false, false, false]);
        yield return ("LAS", [0, 1, 2], [true, false, false]);
        yield return ("LPS", [0, 1, 2], [true, true, false]);
        yield return ("LPI", [0, 1, 2], [true, true, true]);
        yield return ("ARS (x and y swapped)", [1, 0, 2], [false, false, false]);
        yield return ("SPL (permuted, flipped)", [2, 1, 0], [false, true, true]);
    }
}
