namespace ThighSeg.Core.Phantoms;

/// <summary>Smooth periodic 3D value noise in [0, 1] (trilinear interpolation of a random lattice with smoothstep weights).</summary>
internal sealed class ValueNoise3
{
    private const int N = 32;
    private const int Mask = N - 1;
    private readonly float[] _lattice = new float[N * N * N];

    public ValueNoise3(Random rng)
    {
        for (int i = 0; i < _lattice.Length; i++)
        {
            _lattice[i] = (float)rng.NextDouble();
        }
    }

    public double Sample(double x, double y, double z)
    {
        double fx = Math.Floor(x), fy = Math.Floor(y), fz = Math.Floor(z);
        int ix = (int)fx & Mask, iy = (int)fy & Mask, iz = (int)fz & Mask;
        double tx = x - fx, ty = y - fy, tz = z - fz;
        tx = tx * tx * (3 - (2 * tx));
        ty = ty * ty * (3 - (2 * ty));
        tz = tz * tz * (3 - (2 * tz));
        int jx = (ix + 1) & Mask, jy = (iy + 1) & Mask, jz = (iz + 1) & Mask;
        double c000 = At(ix, iy, iz), c100 = At(jx, iy, iz), c010 = At(ix, jy, iz), c110 = At(jx, jy, iz);
        double c001 = At(ix, iy, jz), c101 = At(jx, iy, jz), c011 = At(ix, jy, jz), c111 = At(jx, jy, jz);
        double c00 = c000 + (tx * (c100 - c000)), c10 = c010 + (tx * (c110 - c010));
        double c01 = c001 + (tx * (c101 - c001)), c11 = c011 + (tx * (c111 - c011));
        double c0 = c00 + (ty * (c10 - c00)), c1 = c01 + (ty * (c11 - c01));
        return c0 + (tz * (c1 - c0));
    }

    private double At(int x, int y, int z) => _lattice[x + (N * (y + (N * z)))];
}
