using ThighSeg.Core.Volumes;

namespace ThighSeg.IO.Nifti;

/// <summary>The NIfTI geometry rules: reading the best affine from a header and encoding an affine as sform and qform.</summary>
internal static class NiftiGeometry
{
    /// <summary>
    /// The voxel-to-world affine by the standard's precedence: sform when sform_code &gt; 0, else the qform when
    /// qform_code &gt; 0, else pixdim scaling (nibabel's fallback). Returns where it came from.
    /// </summary>
    public static (Affine Affine, NiftiAffineSource Source) BestAffine(NiftiHeader h, string source)
    {
        if (h.SformCode < 0 || h.QformCode < 0)
        {
            throw new VolumeFormatException($"{source}: negative sform_code ({h.SformCode}) or qform_code ({h.QformCode}).");
        }
        if (h.SformCode > 0)
        {
            return (Checked(h.SformRowMajor(), source, "sform (srow_x/y/z)"), NiftiAffineSource.Sform);
        }
        if (h.QformCode > 0)
        {
            return (Checked(Qform(h, source), source, "qform"), NiftiAffineSource.Qform);
        }
        return (Checked(PixDimAffine(h, source), source, "pixdim"), NiftiAffineSource.PixDim);
    }

    private static double[] Qform(NiftiHeader h, string source)
    {
        double b = h.QuaternB, c = h.QuaternC, d = h.QuaternD;
        if (!double.IsFinite(b) || !double.IsFinite(c) || !double.IsFinite(d))
        {
            throw new VolumeFormatException($"{source}: qform quaternion (quatern_b/c/d) is not finite: {b}, {c}, {d}.");
        }
        // As nifti_quatern_to_mat44 in the reference library: a = sqrt(1 - b² - c² - d²), renormalising when that is ~0.
        double a = 1.0 - ((b * b) + (c * c) + (d * d));
        if (a < 1e-7)
        {
            double n = Math.Sqrt((b * b) + (c * c) + (d * d));
            if (a < -1e-3)
            {
                throw new VolumeFormatException($"{source}: qform quaternion (quatern_b/c/d = {b}, {c}, {d}) has norm {n:G6} > 1.");
            }
            b /= n; c /= n; d /= n;
            a = 0;
        }
        else
        {
            a = Math.Sqrt(a);
        }
        double dx = h.PixDim[1], dy = h.PixDim[2], dz = h.PixDim[3];
        if (!(dx > 0) || !(dy > 0) || !(dz > 0) || !double.IsFinite(dx) || !double.IsFinite(dy) || !double.IsFinite(dz))
        {
            throw new VolumeFormatException($"{source}: qform needs positive voxel sizes, but pixdim[1..3] = {dx}, {dy}, {dz}.");
        }
        double qfac = h.PixDim[0] < 0 ? -1 : 1; // the standard: qfac is pixdim[0], treated as 1 unless negative.
        dz *= qfac;
        double[] r =
        [
            (a * a) + (b * b) - (c * c) - (d * d), 2 * ((b * c) - (a * d)), 2 * ((b * d) + (a * c)),
            2 * ((b * c) + (a * d)), (a * a) + (c * c) - (b * b) - (d * d), 2 * ((c * d) - (a * b)),
            2 * ((b * d) - (a * c)), 2 * ((c * d) + (a * b)), (a * a) + (d * d) - (c * c) - (b * b),
        ];
        return
        [
            r[0] * dx, r[1] * dy, r[2] * dz, h.QOffsetX,
            r[3] * dx, r[4] * dy, r[5] * dz, h.QOffsetY,
            r[6] * dx, r[7] * dy, r[8] * dz, h.QOffsetZ,
            0, 0, 0, 1,
        ];
    }

    private static double[] PixDimAffine(NiftiHeader h, string source)
    {
        // nibabel's shape_zoom_affine: diag(-dx, dy, dz), origin at the volume centre.
        var n = new double[3];
        var z = new double[3];
        for (int i = 0; i < 3; i++)
        {
            bool present = i < h.Dim[0];
            n[i] = present ? h.Dim[i + 1] : 1;
            z[i] = present ? h.PixDim[i + 1] : 1;
            if (!double.IsFinite(z[i]) || z[i] == 0)
            {
                throw new VolumeFormatException($"{source}: no sform or qform, and pixdim[{i + 1}] = {z[i]} is not a usable voxel size.");
            }
        }
        z[0] = -z[0];
        return
        [
            z[0], 0, 0, -(n[0] - 1) / 2.0 * z[0],
            0, z[1], 0, -(n[1] - 1) / 2.0 * z[1],
            0, 0, z[2], -(n[2] - 1) / 2.0 * z[2],
            0, 0, 0, 1,
        ];
    }

    private static Affine Checked(double[] m, string source, string what)
    {
        if (VoxelGeometry.Problem(m) is string problem)
        {
            throw new VolumeFormatException($"{source}: unusable geometry from the {what}: {problem}.");
        }
        return Affine.FromRowMajor(m);
    }

    /// <summary>
    /// Encodes an affine for writing: the sform rows as given (the writer stores them as float32 or float64), and a
    /// qform (quaternion, offset, voxel sizes, qfac) when the 3x3 part is a rotation times positive scales; otherwise
    /// the qform is left unset (code 0).
    /// </summary>
    public static (bool HasQform, double B, double C, double D, double Qfac, double Dx, double Dy, double Dz) ToQform(ReadOnlySpan<double> m)
    {
        double dx = Math.Sqrt((m[0] * m[0]) + (m[4] * m[4]) + (m[8] * m[8]));
        double dy = Math.Sqrt((m[1] * m[1]) + (m[5] * m[5]) + (m[9] * m[9]));
        double dz = Math.Sqrt((m[2] * m[2]) + (m[6] * m[6]) + (m[10] * m[10]));
        if (dx == 0 || dy == 0 || dz == 0)
        {
            return (false, 0, 0, 0, 1, 1, 1, 1);
        }
        double[] r = [m[0] / dx, m[1] / dy, m[2] / dz, m[4] / dx, m[5] / dy, m[6] / dz, m[8] / dx, m[9] / dy, m[10] / dz];
        double det = (r[0] * ((r[4] * r[8]) - (r[5] * r[7]))) - (r[1] * ((r[3] * r[8]) - (r[5] * r[6]))) + (r[2] * ((r[3] * r[7]) - (r[4] * r[6])));
        double qfac = 1;
        if (det < 0)
        {
            qfac = -1;
            r[2] = -r[2]; r[5] = -r[5]; r[8] = -r[8];
        }
        // Orthogonality check: columns must be (nearly) perpendicular, or the qform cannot represent the affine.
        double d01 = (r[0] * r[1]) + (r[3] * r[4]) + (r[6] * r[7]);
        double d02 = (r[0] * r[2]) + (r[3] * r[5]) + (r[6] * r[8]);
        double d12 = (r[1] * r[2]) + (r[4] * r[5]) + (r[7] * r[8]);
        if (Math.Abs(d01) > 1e-5 || Math.Abs(d02) > 1e-5 || Math.Abs(d12) > 1e-5)
        {
            return (false, 0, 0, 0, 1, dx, dy, dz);
        }
        // nifti_mat44_to_quatern.
        double a = r[0] + r[4] + r[8] + 1, b, c, d;
        if (a > 0.5)
        {
            a = 0.5 * Math.Sqrt(a);
            b = 0.25 * (r[7] - r[5]) / a;
            c = 0.25 * (r[2] - r[6]) / a;
            d = 0.25 * (r[3] - r[1]) / a;
        }
        else
        {
            double xd = 1.0 + r[0] - (r[4] + r[8]);
            double yd = 1.0 + r[4] - (r[0] + r[8]);
            double zd = 1.0 + r[8] - (r[0] + r[4]);
            if (xd > 1.0)
            {
                b = 0.5 * Math.Sqrt(xd);
                c = 0.25 * (r[1] + r[3]) / b;
                d = 0.25 * (r[2] + r[6]) / b;
                a = 0.25 * (r[7] - r[5]) / b;
            }
            else if (yd > 1.0)
            {
                c = 0.5 * Math.Sqrt(yd);
                b = 0.25 * (r[1] + r[3]) / c;
                d = 0.25 * (r[5] + r[7]) / c;
                a = 0.25 * (r[2] - r[6]) / c;
            }
            else
            {
                d = 0.5 * Math.Sqrt(zd);
                b = 0.25 * (r[2] + r[6]) / d;
                c = 0.25 * (r[5] + r[7]) / d;
                a = 0.25 * (r[3] - r[1]) / d;
            }
            if (a < 0)
            {
                b = -b; c = -c; d = -d;
            }
        }
        return (true, b, c, d, qfac, dx, dy, dz);
    }
}
