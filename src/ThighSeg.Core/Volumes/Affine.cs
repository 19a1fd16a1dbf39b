using System.Globalization;

namespace ThighSeg.Core.Volumes;

/// <summary>
/// An immutable 4x4 voxel-to-world affine in NIfTI's RAS+ world convention.
/// </summary>
/// <remarks>
/// <c>[x y z 1]ᵀ = A · [i j k 1]ᵀ</c>, with voxel indices (i, j, k) counted from 0 and world coordinates in
/// millimetres where +x points to the patient's Right, +y to Anterior and +z to Superior (as NIfTI sform/qform and
/// nibabel; DICOM's LPS+ differs by the sign of x and y). Elements are stored row-major: <c>this[row, column]</c>.
/// </remarks>
public sealed class Affine : IEquatable<Affine>
{
    private readonly double[] _m;

    private Affine(double[] m) => _m = m;

    /// <summary>The identity affine (1 mm isotropic voxels at the origin).</summary>
    public static Affine Identity { get; } = new([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);

    /// <summary>Creates an affine from 16 row-major elements; the last row must be (0, 0, 0, 1).</summary>
    public static Affine FromRowMajor(ReadOnlySpan<double> values)
    {
        if (values.Length != 16)
        {
            throw new ArgumentException($"An affine needs 16 values, got {values.Length}.", nameof(values));
        }
        foreach (double v in values)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("An affine must contain only finite values.", nameof(values));
            }
        }
        if (values[12] != 0 || values[13] != 0 || values[14] != 0 || values[15] != 1)
        {
            throw new ArgumentException("The last row of an affine must be (0, 0, 0, 1).", nameof(values));
        }
        return new Affine(values.ToArray());
    }

    /// <summary>A diagonal scaling affine with the given voxel spacing (mm) and origin (mm).</summary>
    public static Affine FromSpacing(double sx, double sy, double sz, double ox = 0, double oy = 0, double oz = 0) =>
        FromRowMajor([sx, 0, 0, ox, 0, sy, 0, oy, 0, 0, sz, oz, 0, 0, 0, 1]);

    /// <summary>Element at (row, column), both 0..3.</summary>
    public double this[int row, int column] => _m[(row * 4) + column];

    /// <summary>The 16 elements, row-major.</summary>
    public ReadOnlySpan<double> RowMajor => _m;

    /// <summary>Voxel spacing in mm: the Euclidean norms of the first three columns.</summary>
    public (double X, double Y, double Z) Spacing => (ColumnNorm(0), ColumnNorm(1), ColumnNorm(2));

    /// <summary>Maps a voxel index (i, j, k) to world coordinates (mm).</summary>
    public (double X, double Y, double Z) Apply(double i, double j, double k) => (
        (_m[0] * i) + (_m[1] * j) + (_m[2] * k) + _m[3],
        (_m[4] * i) + (_m[5] * j) + (_m[6] * k) + _m[7],
        (_m[8] * i) + (_m[9] * j) + (_m[10] * k) + _m[11]);

    /// <summary>The matrix product <c>this · other</c>.</summary>
    public Affine Multiply(Affine other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var r = new double[16];
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                double s = 0;
                for (int k = 0; k < 4; k++)
                {
                    s += _m[(i * 4) + k] * other._m[(k * 4) + j];
                }
                r[(i * 4) + j] = s;
            }
        }
        r[12] = 0; r[13] = 0; r[14] = 0; r[15] = 1;
        return new Affine(r);
    }

    /// <summary>The inverse affine.</summary>
    /// <exception cref="InvalidOperationException">The 3x3 part is singular.</exception>
    public Affine Inverse()
    {
        double a = _m[0], b = _m[1], c = _m[2], d = _m[4], e = _m[5], f = _m[6], g = _m[8], h = _m[9], i = _m[10];
        double det = (a * ((e * i) - (f * h))) - (b * ((d * i) - (f * g))) + (c * ((d * h) - (e * g)));
        if (Math.Abs(det) < 1e-300)
        {
            throw new InvalidOperationException("The affine is singular and has no inverse.");
        }
        double[] inv =
        [
            ((e * i) - (f * h)) / det, ((c * h) - (b * i)) / det, ((b * f) - (c * e)) / det, 0,
            ((f * g) - (d * i)) / det, ((a * i) - (c * g)) / det, ((c * d) - (a * f)) / det, 0,
            ((d * h) - (e * g)) / det, ((b * g) - (a * h)) / det, ((a * e) - (b * d)) / det, 0,
            0, 0, 0, 1,
        ];
        for (int r = 0; r < 3; r++)
        {
            inv[(r * 4) + 3] = -((inv[r * 4] * _m[3]) + (inv[(r * 4) + 1] * _m[7]) + (inv[(r * 4) + 2] * _m[11]));
        }
        return new Affine(inv);
    }

    /// <summary>True when every element differs from <paramref name="other"/>'s by at most <paramref name="tolerance"/>.</summary>
    public bool ApproximatelyEquals(Affine other, double tolerance = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int n = 0; n < 16; n++)
        {
            if (Math.Abs(_m[n] - other._m[n]) > tolerance)
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc />
    public bool Equals(Affine? other) => other is not null && _m.AsSpan().SequenceEqual(other._m);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Affine a && Equals(a);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (double v in _m)
        {
            h.Add(v);
        }
        return h.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() =>
        "[" + string.Join("; ", Enumerable.Range(0, 4).Select(r =>
            string.Join(", ", Enumerable.Range(0, 4).Select(c => this[r, c].ToString("G6", CultureInfo.InvariantCulture))))) + "]";

    private double ColumnNorm(int c) => Math.Sqrt((_m[c] * _m[c]) + (_m[4 + c] * _m[4 + c]) + (_m[8 + c] * _m[8 + c]));
}
