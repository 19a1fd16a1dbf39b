using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Metrics;

/// <summary>Small synthetic label maps for metric tests.</summary>
internal static class LabelVolumes
{
    public static Volume<int> Empty(int nx, int ny, int nz, double sx = 1, double sy = 1, double sz = 1) =>
        new(new VolumeShape(nx, ny, nz), Affine.FromSpacing(sx, sy, sz));

    /// <summary>Sets voxels in the inclusive box [x0,x1]×[y0,y1]×[z0,z1] to <paramref name="label"/>.</summary>
    public static Volume<int> Box(this Volume<int> v, int label, int x0, int x1, int y0, int y1, int z0, int z1)
    {
        for (int z = z0; z <= z1; z++)
        {
            for (int y = y0; y <= y1; y++)
            {
                for (int x = x0; x <= x1; x++)
                {
                    v[x, y, z] = label;
                }
            }
        }
        return v;
    }

    /// <summary>A random blob: voxels set with probability <paramref name="density"/> (a fragmented, hard case for surfaces).</summary>
    public static Volume<int> Random(int nx, int ny, int nz, (double, double, double) spacing, int label, double density, int seed)
    {
        var v = Empty(nx, ny, nz, spacing.Item1, spacing.Item2, spacing.Item3);
        var rng = new Random(seed);
        for (int i = 0; i < v.Data.Length; i++)
        {
            if (rng.NextDouble() < density)
            {
                v.Data[i] = label;
            }
        }
        return v;
    }

    /// <summary>Brute-force surface voxels (6-neighbour definition, image border counts as outside), as (x, y, z).</summary>
    public static List<(int X, int Y, int Z)> BruteSurface(Volume<int> v, int label)
    {
        var s = v.Shape;
        bool In(int x, int y, int z) => x >= 0 && y >= 0 && z >= 0 && x < s.X && y < s.Y && z < s.Z && v[x, y, z] == label;
        var result = new List<(int, int, int)>();
        for (int z = 0; z < s.Z; z++)
        {
            for (int y = 0; y < s.Y; y++)
            {
                for (int x = 0; x < s.X; x++)
                {
                    if (In(x, y, z) && (!In(x - 1, y, z) || !In(x + 1, y, z) || !In(x, y - 1, z) || !In(x, y + 1, z) || !In(x, y, z - 1) || !In(x, y, z + 1)))
                    {
                        result.Add((x, y, z));
                    }
                }
            }
        }
        return result;
    }

    /// <summary>Brute-force directed distances (mm) from each point of <paramref name="from"/> to the nearest of <paramref name="to"/>.</summary>
    public static double[] BruteDirected(List<(int X, int Y, int Z)> from, List<(int X, int Y, int Z)> to, (double X, double Y, double Z) sp)
    {
        var result = new double[from.Count];
        for (int i = 0; i < from.Count; i++)
        {
            double best = double.PositiveInfinity;
            foreach (var b in to)
            {
                double dx = (from[i].X - b.X) * sp.X, dy = (from[i].Y - b.Y) * sp.Y, dz = (from[i].Z - b.Z) * sp.Z;
                best = Math.Min(best, (dx * dx) + (dy * dy) + (dz * dz));
            }
            result[i] = Math.Sqrt(best);
        }
        Array.Sort(result);
        return result;
    }
}
