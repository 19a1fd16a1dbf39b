using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Volumes;

public class OrientationTests
{
    private static Affine Rows(params double[] m12) => Affine.FromRowMajor([.. m12, 0, 0, 0, 1]);

    [TestCase(new double[] { 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0 }, "RAS")]
    [TestCase(new double[] { -2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2.2, 0 }, "LAS")]
    [TestCase(new double[] { -1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0 }, "LPS")]
    [TestCase(new double[] { 0, 0, 1, 0, -1, 0, 0, 0, 0, -1, 0, 0 }, "PIR")]
    [TestCase(new double[] { 0, 0.8, 0, 0, 0, 0, -3, 0, 1, 0, 0, 0 }, "SRP")]
    public void AxisCodes_MatchNibabelConvention(double[] m, string expected) =>
        Assert.That(Orientation.AxisCodes(Rows(m)), Is.EqualTo(expected));

    [Test]
    public void AxisCodes_PickLargestComponent_ForObliqueAffine()
    {
        double c = Math.Cos(0.3), s = Math.Sin(0.3);
        // Rotated 0.3 rad about z, then x flipped.
        var a = Rows(-c, -s, 0, 10, -s, c, 0, 20, 0, 0, 3, 30);
        Assert.That(Orientation.AxisCodes(a), Is.EqualTo("LAS"));
    }

    [Test]
    public void AxisCodes_Throws_ForSingularAffine() =>
        Assert.Throws<ArgumentException>(() => Orientation.AxisCodes(Rows(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0)));

    private static Volume<int> Numbered(VolumeShape shape, Affine affine)
    {
        var v = new Volume<int>(shape, affine);
        for (int n = 0; n < v.Data.Length; n++)
        {
            v.Data[n] = n + 1;
        }
        return v;
    }

    private static IEnumerable<Affine> AllOrientations()
    {
        // All 48 axis permutations and flips, with anisotropic spacing and an offset, plus a small rotation.
        int[][] perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        double[] spacing = [0.7, 1.3, 3.0];
        foreach (var p in perms)
        {
            for (int flips = 0; flips < 8; flips++)
            {
                var m = new double[16];
                m[15] = 1;
                for (int col = 0; col < 3; col++)
                {
                    double sign = ((flips >> col) & 1) == 1 ? -1 : 1;
                    m[(p[col] * 4) + col] = sign * spacing[col];
                }
                m[3] = -12.5; m[7] = 40.25; m[11] = 7;
                // A slight rotation about z so the affine is oblique but the nearest axes are unambiguous.
                double c = Math.Cos(0.1), s = Math.Sin(0.1);
                var rot = Affine.FromRowMajor([c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
                yield return rot.Multiply(Affine.FromRowMajor(m));
            }
        }
    }

    [Test]
    public void ToCanonical_GivesRasAndPreservesWorldPositionOfEveryVoxel_ForAll48Orientations()
    {
        var shape = new VolumeShape(4, 3, 5);
        foreach (var affine in AllOrientations())
        {
            var original = Numbered(shape, affine);
            var (canonical, transform) = Orientation.ToCanonical(original);
            Assert.That(Orientation.AxisCodes(canonical.Affine), Is.EqualTo("RAS"), affine.ToString());
            // Every voxel value is unique, so find where each went and compare world coordinates.
            var position = new Dictionary<int, (int, int, int)>();
            for (int z = 0; z < canonical.Shape.Z; z++)
            {
                for (int y = 0; y < canonical.Shape.Y; y++)
                {
                    for (int x = 0; x < canonical.Shape.X; x++)
                    {
                        position[canonical[x, y, z]] = (x, y, z);
                    }
                }
            }
            Assert.That(position, Has.Count.EqualTo(shape.VoxelCount));
            for (int z = 0; z < shape.Z; z++)
            {
                for (int y = 0; y < shape.Y; y++)
                {
                    for (int x = 0; x < shape.X; x++)
                    {
                        var (cx, cy, cz) = position[original[x, y, z]];
                        var w0 = original.Affine.Apply(x, y, z);
                        var w1 = canonical.Affine.Apply(cx, cy, cz);
                        Assert.That(w1.X, Is.EqualTo(w0.X).Within(1e-9));
                        Assert.That(w1.Y, Is.EqualTo(w0.Y).Within(1e-9));
                        Assert.That(w1.Z, Is.EqualTo(w0.Z).Within(1e-9));
                    }
                }
            }
        }
    }

    [Test]
    public void ToOriginal_RestoresVoxelsAndAffineExactly_ForAll48Orientations()
    {
        var shape = new VolumeShape(4, 3, 5);
        foreach (var affine in AllOrientations())
        {
            var original = Numbered(shape, affine);
            var (canonical, transform) = Orientation.ToCanonical(original);
            var back = transform.ToOriginal(canonical);
            Assert.That(back.Shape, Is.EqualTo(original.Shape));
            Assert.That(back.Affine, Is.EqualTo(original.Affine));
            Assert.That(back.Data, Is.EqualTo(original.Data));
        }
    }

    [Test]
    public void ToCanonical_IsIdentity_ForRasVolume()
    {
        var v = Numbered(new VolumeShape(3, 2, 2), Affine.FromSpacing(1, 2, 3, 5, 6, 7));
        var (canonical, transform) = Orientation.ToCanonical(v);
        Assert.That(transform.IsIdentity, Is.True);
        Assert.That(canonical.Data, Is.EqualTo(v.Data));
        Assert.That(canonical.Affine, Is.EqualTo(v.Affine));
        Assert.That(canonical.Data, Is.Not.SameAs(v.Data));
    }

    [Test]
    public void ToCanonical_FlipsLasVolumeAlongX()
    {
        var v = Numbered(new VolumeShape(3, 1, 1), Affine.FromSpacing(-2, 1, 1, 10, 0, 0));
        var (canonical, _) = Orientation.ToCanonical(v);
        Assert.That(canonical.Data, Is.EqualTo(new[] { 3, 2, 1 }));
        // Voxel 0 of the canonical grid is the old voxel 2 at x = 10 - 4 = 6.
        Assert.That(canonical.Affine[0, 0], Is.EqualTo(2));
        Assert.That(canonical.Affine[0, 3], Is.EqualTo(6));
    }

    [Test]
    public void ToOriginal_Throws_WhenShapeOrAffineDoNotMatch()
    {
        var v = Numbered(new VolumeShape(3, 2, 2), Affine.FromSpacing(-1, 1, 1));
        var (canonical, transform) = Orientation.ToCanonical(v);
        Assert.Throws<ArgumentException>(() => transform.ToOriginal(new Volume<int>(new VolumeShape(2, 2, 2), canonical.Affine)));
        Assert.Throws<ArgumentException>(() => transform.ToOriginal(new Volume<int>(canonical.Shape, Affine.Identity)));
    }
}
