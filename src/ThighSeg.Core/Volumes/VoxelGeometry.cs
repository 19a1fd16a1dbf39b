using System.Globalization;

namespace ThighSeg.Core.Volumes;

/// <summary>
/// The one rule every reader applies to the geometry it derives from a file (NIfTI sform/qform/pixdim, DICOM
/// position/orientation/spacing, single images and series): every element finite, every voxel spacing (column norm of
/// the 3x3 part) between <see cref="MinSpacingMm"/> and <see cref="MaxSpacingMm"/>, and the three axes not (nearly)
/// coplanar. Anything else cannot be reoriented, resampled or written back, so it is refused where it is read.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class VoxelGeometry
{
    /// <summary>Smallest voxel spacing accepted, in mm (1 µm).</summary>
    public const double MinSpacingMm = 1e-3;

    /// <summary>Largest voxel spacing accepted, in mm (1 m).</summary>
    public const double MaxSpacingMm = 1e3;

    /// <summary>Largest distance of the origin from the world origin accepted, in mm (1 km).</summary>
    public const double MaxOriginMm = 1e6;

    /// <summary>Smallest |det| / (sx·sy·sz) accepted: the volume of the unit cell relative to a right-angled one.</summary>
    public const double MinOrthogonality = 1e-6;

    /// <summary>
    /// Null when the 16 row-major elements <paramref name="m"/> describe a usable voxel grid; otherwise what is wrong, as
    /// a sentence fragment for a message that starts with the file name (e.g. <c>"voxel spacing 1e+200 x 1 x 1 mm is
    /// outside 0.001 to 1000 mm"</c>).
    /// </summary>
    public static string? Problem(ReadOnlySpan<double> m)
    {
        if (m.Length != 16)
        {
            return string.Create(CultureInfo.InvariantCulture, $"an affine needs 16 elements, got {m.Length}");
        }
        foreach (double v in m)
        {
            if (!double.IsFinite(v))
            {
                return "the voxel-to-world affine contains a non-finite value (" + Join(m[..12]) + ")";
            }
        }
        double sx = Norm(m, 0), sy = Norm(m, 1), sz = Norm(m, 2);
        foreach (double s in (double[])[sx, sy, sz])
        {
            if (!(s >= MinSpacingMm && s <= MaxSpacingMm))
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"voxel spacing {sx:G6} x {sy:G6} x {sz:G6} mm is outside {MinSpacingMm} to {MaxSpacingMm} mm");
            }
        }
        double det = (m[0] * ((m[5] * m[10]) - (m[6] * m[9]))) - (m[1] * ((m[4] * m[10]) - (m[6] * m[8]))) + (m[2] * ((m[4] * m[9]) - (m[5] * m[8])));
        if (!(Math.Abs(det) >= MinOrthogonality * sx * sy * sz))
        {
            return string.Create(CultureInfo.InvariantCulture, $"the voxel axes are (nearly) coplanar: the affine is singular (determinant {det:G6})");
        }
        double origin = Math.Sqrt((m[3] * m[3]) + (m[7] * m[7]) + (m[11] * m[11]));
        if (!(origin <= MaxOriginMm))
        {
            return string.Create(CultureInfo.InvariantCulture, $"the origin ({m[3]:G6}, {m[7]:G6}, {m[11]:G6}) mm is more than {MaxOriginMm} mm from the world origin");
        }
        return null;
    }

    /// <summary>Null when <paramref name="affine"/> is usable; otherwise what is wrong (see <see cref="Problem(ReadOnlySpan{double})"/>).</summary>
    public static string? Problem(Affine affine)
    {
        ArgumentNullException.ThrowIfNull(affine);
        return Problem(affine.RowMajor);
    }

    private static double Norm(ReadOnlySpan<double> m, int column) =>
        Math.Sqrt((m[column] * m[column]) + (m[4 + column] * m[4 + column]) + (m[8 + column] * m[8 + column]));

    private static string Join(ReadOnlySpan<double> values)
    {
        var parts = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            parts[i] = values[i].ToString("G6", CultureInfo.InvariantCulture);
        }
        return string.Join(", ", parts);
    }
}
