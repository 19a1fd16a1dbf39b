using System.Numerics;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Quantification;

/// <summary>
/// Resamples an image onto another volume's grid by world coordinates: every target voxel centre is mapped through the
/// target affine to RAS+ world (mm) and through the inverse source affine to a (fractional) source voxel, where the
/// source is interpolated trilinearly.
/// </summary>
/// <remarks>
/// A target voxel whose source position lies more than half a voxel outside the source grid gets <see cref="float.NaN"/>
/// (no data there; statistics skip it); within half a voxel of the edge the edge value is used. A source on the same
/// grid (shape and affine within 1e-4) is returned as it is. Pure and thread-safe.
/// </remarks>
public static class WorldResampler
{
    /// <summary>The image <paramref name="source"/> on the grid of <paramref name="grid"/>.</summary>
    /// <exception cref="ArgumentException">The source affine is singular.</exception>
    public static Volume<float> OntoGrid<TGrid>(Volume<float> source, Volume<TGrid> grid) where TGrid : unmanaged, INumber<TGrid>
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(grid);
        if (source.SameGeometry(grid))
        {
            return source;
        }
        Affine toSource;
        try
        {
            toSource = source.Affine.Inverse().Multiply(grid.Affine);
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException($"The source affine {source.Affine} is singular.", nameof(source), ex);
        }
        var s = source.Shape;
        var g = grid.Shape;
        var data = new float[g.VoxelCount];
        Parallel.For(0, g.Z, k =>
        {
            for (int j = 0; j < g.Y; j++)
            {
                for (int i = 0; i < g.X; i++)
                {
                    var (x, y, z) = toSource.Apply(i, j, k);
                    data[g.Index(i, j, k)] = Sample(source, s, x, y, z);
                }
            }
        });
        return new Volume<float>(g, grid.Affine, data);
    }

    private static float Sample(Volume<float> v, VolumeShape s, double x, double y, double z)
    {
        if (x < -0.5 || y < -0.5 || z < -0.5 || x > s.X - 0.5 || y > s.Y - 0.5 || z > s.Z - 0.5)
        {
            return float.NaN;
        }
        x = Math.Clamp(x, 0, s.X - 1);
        y = Math.Clamp(y, 0, s.Y - 1);
        z = Math.Clamp(z, 0, s.Z - 1);
        int x0 = Math.Min((int)x, Math.Max(0, s.X - 2)), y0 = Math.Min((int)y, Math.Max(0, s.Y - 2)), z0 = Math.Min((int)z, Math.Max(0, s.Z - 2));
        int x1 = Math.Min(x0 + 1, s.X - 1), y1 = Math.Min(y0 + 1, s.Y - 1), z1 = Math.Min(z0 + 1, s.Z - 1);
        double fx = x - x0, fy = y - y0, fz = z - z0;
        double c00 = Lerp(v[x0, y0, z0], v[x1, y0, z0], fx), c10 = Lerp(v[x0, y1, z0], v[x1, y1, z0], fx);
        double c01 = Lerp(v[x0, y0, z1], v[x1, y0, z1], fx), c11 = Lerp(v[x0, y1, z1], v[x1, y1, z1], fx);
        return (float)Lerp(Lerp(c00, c10, fy), Lerp(c01, c11, fy), fz);
    }

    private static double Lerp(double a, double b, double t) => t == 0 ? a : a + (t * (b - a));
}
