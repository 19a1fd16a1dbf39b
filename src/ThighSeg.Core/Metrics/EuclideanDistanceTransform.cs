using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Metrics;

/// <summary>
/// Exact Euclidean distance transform of a 3D grid with anisotropic voxel spacing, by the separable lower-envelope
/// algorithm of Felzenszwalb and Huttenlocher ("Distance Transforms of Sampled Functions", Theory of Computing 8, 2012):
/// three one-dimensional passes (x, then y, then z), each linear in the number of voxels, so O(N) in total.
/// </summary>
/// <remarks>
/// Distances are measured between voxel centres in millimetres: voxel (i, j, k) sits at (i·sx, j·sy, k·sz), so the
/// squared distance between two voxels is <c>(Δi·sx)² + (Δj·sy)² + (Δk·sz)²</c>. This assumes orthogonal voxel axes
/// (no shear), which holds for scanner-acquired and resampled volumes. Grids are x-fastest (index
/// <c>x + X·(y + Y·z)</c>), like <see cref="Volume{T}"/>. All methods are thread-safe (no shared state).
/// </remarks>
public static class EuclideanDistanceTransform
{
    /// <summary>
    /// For every voxel, the squared Euclidean distance (mm²) to the nearest feature voxel (a non-zero entry of
    /// <paramref name="features"/>); 0 on feature voxels, <see cref="double.PositiveInfinity"/> everywhere when there is no feature.
    /// </summary>
    /// <param name="features">Feature mask, x-fastest, <c>shape.VoxelCount</c> entries; non-zero marks a feature voxel.</param>
    /// <param name="shape">Grid size.</param>
    /// <param name="spacing">Voxel spacing in mm along x, y and z; each must be positive and finite.</param>
    /// <exception cref="ArgumentException">The mask length does not match the shape, or a spacing is not positive and finite.</exception>
    public static double[] SquaredDistanceToFeatures(ReadOnlySpan<byte> features, VolumeShape shape, (double X, double Y, double Z) spacing)
    {
        shape.Validate();
        ValidateSpacing(spacing);
        if (features.Length != shape.VoxelCount)
        {
            throw new ArgumentException($"Feature mask has {features.Length} elements but shape {shape} needs {shape.VoxelCount}.", nameof(features));
        }
        var grid = new double[features.Length];
        for (int i = 0; i < grid.Length; i++)
        {
            grid[i] = features[i] != 0 ? 0.0 : double.PositiveInfinity;
        }
        TransformInPlace(grid, shape.X, shape.Y, shape.Z, spacing.X, spacing.Y, spacing.Z);
        return grid;
    }

    /// <summary>Throws unless all three spacings are positive and finite.</summary>
    internal static void ValidateSpacing((double X, double Y, double Z) spacing)
    {
        if (!(double.IsFinite(spacing.X) && spacing.X > 0 && double.IsFinite(spacing.Y) && spacing.Y > 0 && double.IsFinite(spacing.Z) && spacing.Z > 0))
        {
            throw new ArgumentException($"Voxel spacing must be positive and finite along every axis, got ({spacing.X}, {spacing.Y}, {spacing.Z}) mm.", nameof(spacing));
        }
    }

    /// <summary>
    /// Transforms <paramref name="grid"/> in place: on input 0 at features and +∞ elsewhere (or any sampled function
    /// with non-negative values), on output the squared distance in mm² (the generalised transform
    /// <c>min_q (|p − q|² + f(q))</c>).
    /// </summary>
    internal static void TransformInPlace(double[] grid, int nx, int ny, int nz, double sx, double sy, double sz)
    {
        int maxLen = Math.Max(nx, Math.Max(ny, nz));
        var f = new double[maxLen];
        var d = new double[maxLen];
        var v = new int[maxLen];
        var zb = new double[maxLen + 1];

        // Pass along x: contiguous lines.
        double wx = sx * sx;
        for (int line = 0; line < ny * nz; line++)
        {
            int start = line * nx;
            grid.AsSpan(start, nx).CopyTo(f);
            if (Transform1D(f, d, v, zb, nx, wx))
            {
                d.AsSpan(0, nx).CopyTo(grid.AsSpan(start, nx));
            }
        }

        // Pass along y: stride nx.
        double wy = sy * sy;
        for (int z = 0; z < nz; z++)
        {
            for (int x = 0; x < nx; x++)
            {
                int start = x + (nx * ny * z);
                for (int y = 0; y < ny; y++)
                {
                    f[y] = grid[start + (y * nx)];
                }
                if (Transform1D(f, d, v, zb, ny, wy))
                {
                    for (int y = 0; y < ny; y++)
                    {
                        grid[start + (y * nx)] = d[y];
                    }
                }
            }
        }

        // Pass along z: stride nx·ny.
        double wz = sz * sz;
        int plane = nx * ny;
        for (int i = 0; i < plane; i++)
        {
            for (int z = 0; z < nz; z++)
            {
                f[z] = grid[i + (z * plane)];
            }
            if (Transform1D(f, d, v, zb, nz, wz))
            {
                for (int z = 0; z < nz; z++)
                {
                    grid[i + (z * plane)] = d[z];
                }
            }
        }
    }

    /// <summary>
    /// One-dimensional squared-distance transform <c>d(q) = min_p (w·(q − p)² + f(p))</c> over <c>p</c> with finite
    /// <c>f(p)</c>. Returns false (and leaves <paramref name="d"/> unset) when every <c>f(p)</c> is +∞, in which case
    /// the line stays +∞.
    /// </summary>
    private static bool Transform1D(double[] f, double[] d, int[] v, double[] z, int n, double w)
    {
        int k = -1;
        for (int q = 0; q < n; q++)
        {
            double fq = f[q];
            if (double.IsPositiveInfinity(fq))
            {
                continue;
            }
            if (k < 0)
            {
                k = 0;
                v[0] = q;
                z[0] = double.NegativeInfinity;
                z[1] = double.PositiveInfinity;
                continue;
            }
            double s;
            while (true)
            {
                int p = v[k];
                s = ((fq + (w * q * q)) - (f[p] + (w * p * p))) / (2.0 * w * (q - p));
                // z[0] is -∞ and s is finite, so k never drops below 0.
                if (s <= z[k])
                {
                    k--;
                }
                else
                {
                    break;
                }
            }
            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = double.PositiveInfinity;
        }
        if (k < 0)
        {
            return false;
        }
        k = 0;
        for (int q = 0; q < n; q++)
        {
            while (z[k + 1] < q)
            {
                k++;
            }
            double dq = q - v[k];
            d[q] = (w * dq * dq) + f[v[k]];
        }
        return true;
    }
}
