using System.Globalization;
using ThighSeg.Core.Volumes;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// The DICOM patient-space (LPS) description of a ThighSeg voxel grid whose x runs along a stored row and y over the
/// stored rows in reverse order (the convention of <see cref="DicomSeriesReader"/>): frame row r, column c of slice z
/// is voxel (c, Y-1-r, z).
/// </summary>
internal sealed class SegGrid
{
    private readonly Affine _inverse;
    private readonly Affine _affine;

    private SegGrid(VolumeShape shape, Affine affine, double[] row, double[] column, double rowSpacing, double columnSpacing, double sliceSpacing)
    {
        Shape = shape;
        _affine = affine;
        _inverse = affine.Inverse();
        RowDirection = row;
        ColumnDirection = column;
        RowSpacing = rowSpacing;
        ColumnSpacing = columnSpacing;
        SliceSpacing = sliceSpacing;
    }

    public VolumeShape Shape { get; }

    /// <summary>Direction (LPS) of increasing column index within a frame row.</summary>
    public double[] RowDirection { get; }

    /// <summary>Direction (LPS) of increasing row index within a frame.</summary>
    public double[] ColumnDirection { get; }

    /// <summary>Distance between rows (PixelSpacing[0]).</summary>
    public double RowSpacing { get; }

    /// <summary>Distance between columns (PixelSpacing[1]).</summary>
    public double ColumnSpacing { get; }

    /// <summary>Distance between slices.</summary>
    public double SliceSpacing { get; }

    /// <exception cref="DicomSegException">The affine is degenerate or its in-plane axes are not orthogonal.</exception>
    public static SegGrid FromAffine(VolumeShape shape, Affine affine)
    {
        ArgumentNullException.ThrowIfNull(affine);
        if (shape.X < 1 || shape.Y < 1 || shape.Z < 1 || shape.X > ushort.MaxValue || shape.Y > ushort.MaxValue)
        {
            throw new DicomSegException($"a SEG frame cannot hold a {shape} grid (1 to {ushort.MaxValue} rows and columns needed)");
        }
        double[] c0 = Lps(affine, 0), c1 = Lps(affine, 1), c2 = Lps(affine, 2);
        double s0 = Norm(c0), s1 = Norm(c1), s2 = Norm(c2);
        if (!(s0 > 0) || !(s1 > 0) || !(s2 > 0))
        {
            throw new DicomSegException($"the label volume's affine has a zero-length axis ({affine})");
        }
        double[] row = [c0[0] / s0, c0[1] / s0, c0[2] / s0];
        double[] column = [-c1[0] / s1, -c1[1] / s1, -c1[2] / s1];
        double dot = (row[0] * column[0]) + (row[1] * column[1]) + (row[2] * column[2]);
        if (Math.Abs(dot) > 1e-4)
        {
            throw new DicomSegException(string.Create(CultureInfo.InvariantCulture,
                $"the label volume's in-plane axes are not orthogonal (cosine {dot:G4}), which DICOM image planes cannot describe"));
        }
        return new SegGrid(shape, affine, row, column, s1, s0, s2);
    }

    /// <summary>ImagePositionPatient (LPS) of the first stored pixel of slice <paramref name="z"/>: voxel (0, Y-1, z).</summary>
    public double[] SlicePosition(int z)
    {
        var (r, a, s) = _affine.Apply(0, Shape.Y - 1, z);
        return [-r + 0.0, -a + 0.0, s + 0.0];
    }

    /// <summary>The (fractional) voxel index of an LPS position.</summary>
    public (double X, double Y, double Z) VoxelOf(double[] lps) => _inverse.Apply(-lps[0], -lps[1], lps[2]);

    private static double[] Lps(Affine a, int column) => [-a[0, column], -a[1, column], a[2, column]];

    private static double Norm(double[] v) => Math.Sqrt((v[0] * v[0]) + (v[1] * v[1]) + (v[2] * v[2]));
}
