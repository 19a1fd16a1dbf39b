using ThighSeg.Core.Metrics;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Metrics;

public class EuclideanDistanceTransformTests
{
    [TestCase(7, 5, 4, 1.0, 1.0, 1.0, 0.05, 1)]
    [TestCase(9, 6, 5, 0.7, 1.3, 3.5, 0.03, 2)]
    [TestCase(11, 8, 6, 2.5, 0.4, 1.1, 0.10, 3)]
    [TestCase(6, 13, 3, 1.0, 1.0, 5.0, 0.01, 4)]
    [TestCase(16, 1, 1, 0.9, 1.0, 1.0, 0.15, 5)]
    [TestCase(5, 5, 5, 1.0, 2.0, 3.0, 0.5, 6)]
    public void SquaredDistance_MatchesBruteForce_OnRandomAnisotropicMasks(int nx, int ny, int nz, double sx, double sy, double sz, double density, int seed)
    {
        var shape = new VolumeShape(nx, ny, nz);
        var rng = new Random(seed);
        var features = new byte[shape.VoxelCount];
        var points = new List<(int, int, int)>();
        for (int z = 0; z < nz; z++)
        {
            for (int y = 0; y < ny; y++)
            {
                for (int x = 0; x < nx; x++)
                {
                    if (rng.NextDouble() < density)
                    {
                        features[shape.Index(x, y, z)] = 1;
                        points.Add((x, y, z));
                    }
                }
            }
        }
        if (points.Count == 0)
        {
            features[shape.Index(nx / 2, ny / 2, nz / 2)] = 1;
            points.Add((nx / 2, ny / 2, nz / 2));
        }

        double[] edt = EuclideanDistanceTransform.SquaredDistanceToFeatures(features, shape, (sx, sy, sz));

        for (int z = 0; z < nz; z++)
        {
            for (int y = 0; y < ny; y++)
            {
                for (int x = 0; x < nx; x++)
                {
                    double best = double.PositiveInfinity;
                    foreach (var (px, py, pz) in points)
                    {
                        double dx = (x - px) * sx, dy = (y - py) * sy, dz = (z - pz) * sz;
                        best = Math.Min(best, (dx * dx) + (dy * dy) + (dz * dz));
                    }
                    Assert.That(edt[shape.Index(x, y, z)], Is.EqualTo(best).Within(1e-9 * (1 + best)), $"voxel ({x},{y},{z})");
                }
            }
        }
    }

    [Test]
    public void SquaredDistance_IsInfinity_WhenThereIsNoFeature()
    {
        var shape = new VolumeShape(4, 3, 2);
        double[] edt = EuclideanDistanceTransform.SquaredDistanceToFeatures(new byte[shape.VoxelCount], shape, (1, 1, 1));
        Assert.That(edt, Is.All.EqualTo(double.PositiveInfinity));
    }

    [Test]
    public void SquaredDistance_OfOppositeCorner_IsSumOfSquaredExtents()
    {
        var shape = new VolumeShape(4, 3, 5);
        var features = new byte[shape.VoxelCount];
        features[0] = 1;
        double[] edt = EuclideanDistanceTransform.SquaredDistanceToFeatures(features, shape, (0.5, 2.0, 3.0));
        // (3·0.5)² + (2·2)² + (4·3)² = 2.25 + 16 + 144
        Assert.That(edt[shape.Index(3, 2, 4)], Is.EqualTo(162.25).Within(1e-12));
    }

    [Test]
    public void SquaredDistance_Throws_WhenSpacingIsNotPositive()
    {
        var shape = new VolumeShape(2, 2, 2);
        Assert.Throws<ArgumentException>(() => EuclideanDistanceTransform.SquaredDistanceToFeatures(new byte[8], shape, (1, 0, 1)));
        Assert.Throws<ArgumentException>(() => EuclideanDistanceTransform.SquaredDistanceToFeatures(new byte[7], shape, (1, 1, 1)));
    }
}
