using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Volumes;

[TestFixture]
public sealed class AffineTests
{
    private static Affine Oblique() => Affine.FromRowMajor([
        0.9, -0.2, 0.1, -80.5,
        0.25, 1.1, 0.05, 12.25,
        -0.1, 0.02, 2.5, 40,
        0, 0, 0, 1]);

    [Test]
    public void Inverse_TimesAffine_IsIdentity()
    {
        var a = Oblique();
        Assert.That(a.Multiply(a.Inverse()).ApproximatelyEquals(Affine.Identity, 1e-12), Is.True);
        Assert.That(a.Inverse().Multiply(a).ApproximatelyEquals(Affine.Identity, 1e-12), Is.True);
    }

    [Test]
    public void Apply_MapsVoxelToWorld_RowMajor()
    {
        var a = Affine.FromSpacing(0.5, 0.75, 3, ox: -10, oy: 20, oz: 5);
        Assert.That(a.Apply(2, 4, 1), Is.EqualTo((-9.0, 23.0, 8.0)));
    }

    [Test]
    public void Spacing_IsTheColumnNorms()
    {
        var (x, y, z) = Affine.FromRowMajor([0, 0, 2, 0, 0, -1.5, 0, 0, 0.8, 0, 0, 0, 0, 0, 0, 1]).Spacing;
        Assert.Multiple(() =>
        {
            Assert.That(x, Is.EqualTo(0.8).Within(1e-12));
            Assert.That(y, Is.EqualTo(1.5).Within(1e-12));
            Assert.That(z, Is.EqualTo(2.0).Within(1e-12));
        });
    }

    [Test]
    public void FromRowMajor_RejectsABadLastRowOrNonFiniteValues()
    {
        Assert.Throws<ArgumentException>(() => Affine.FromRowMajor([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1]));
        Assert.Throws<ArgumentException>(() => Affine.FromRowMajor([double.NaN, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]));
        Assert.Throws<ArgumentException>(() => Affine.FromRowMajor([1, 0, 0]));
    }

    [Test]
    public void Inverse_OfASingularAffine_Throws() =>
        Assert.Throws<InvalidOperationException>(() => Affine.FromSpacing(1, 0, 1).Inverse());
}

[TestFixture]
public sealed class VolumeTests
{
    [Test]
    public void Indexing_IsXFastest()
    {
        var v = new Volume<int>(new VolumeShape(3, 4, 5), Affine.Identity);
        v[2, 1, 3] = 7;
        Assert.That(v.Data[2 + (3 * (1 + (4 * 3)))], Is.EqualTo(7));
        Assert.That(v.Slice(3)[2 + (3 * 1)], Is.EqualTo(7));
    }

    [Test]
    public void Constructor_RejectsMismatchedArraysAndBadShapes()
    {
        Assert.Throws<ArgumentException>(() => _ = new Volume<float>(new VolumeShape(2, 2, 2), Affine.Identity, new float[7]));
        Assert.Throws<ArgumentException>(() => _ = new Volume<float>(new VolumeShape(0, 2, 2), Affine.Identity));
        Assert.Throws<ArgumentException>(() => _ = new Volume<float>(new VolumeShape(100000, 100000, 100000), Affine.Identity));
    }

    [Test]
    public void SameGeometry_ComparesShapeAndAffine()
    {
        var a = new Volume<float>(new VolumeShape(2, 2, 2), Affine.FromSpacing(1, 1, 2));
        var b = new Volume<int>(new VolumeShape(2, 2, 2), Affine.FromSpacing(1, 1, 2));
        var c = new Volume<int>(new VolumeShape(2, 2, 2), Affine.FromSpacing(1, 1, 2.5));
        Assert.That(a.SameGeometry(b), Is.True);
        Assert.That(a.SameGeometry(c), Is.False);
    }

    [Test]
    public void Slice_OutOfRange_Throws()
    {
        var v = new Volume<float>(new VolumeShape(2, 2, 2), Affine.Identity);
        Assert.Throws<ArgumentOutOfRangeException>(() => v.Slice(2));
    }
}
