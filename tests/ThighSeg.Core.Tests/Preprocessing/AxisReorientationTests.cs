using ThighSeg.Core.Preprocessing;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Preprocessing;

public class AxisReorientationTests
{
    private static IEnumerable<TestCaseData> AllOrientations()
    {
        int[][] perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        foreach (var p in perms)
        {
            for (int flips = 0; flips < 8; flips++)
            {
                yield return new TestCaseData(p, flips);
            }
        }
    }

    [TestCaseSource(nameof(AllOrientations))]
    public void ToCanonical_KeepsWorldPositionsAndInvertsExactly(int[] perm, int flips)
    {
        // Voxel axis a points along world axis perm[a], reversed when bit a of flips is set.
        var shape = new VolumeShape(3, 4, 5);
        double[] sp = [1.5, 2, 3];
        var m = new double[16];
        for (int a = 0; a < 3; a++)
        {
            m[(perm[a] * 4) + a] = ((flips >> a) & 1) == 1 ? -sp[a] : sp[a];
        }
        m[3] = 10; m[7] = -20; m[11] = 5; m[15] = 1;
        var affine = Affine.FromRowMajor(m);
        var data = Enumerable.Range(0, 60).Select(i => (float)i).ToArray();
        var vol = new Volume<float>(shape, affine, data);
        var plan = AxisReorientation.For(shape, affine);
        var can = plan.ToCanonical(vol);
        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.That(r == c ? can.Affine[r, c] > 0 : can.Affine[r, c] == 0, Is.True, $"canonical affine {can.Affine}");
            }
        }
        // Every voxel keeps its world position.
        var inv = affine.Inverse();
        for (int z = 0; z < can.Shape.Z; z++)
        {
            for (int y = 0; y < can.Shape.Y; y++)
            {
                for (int x = 0; x < can.Shape.X; x++)
                {
                    var w = can.Affine.Apply(x, y, z);
                    var (i, j, k) = inv.Apply(w.X, w.Y, w.Z);
                    Assert.That(can[x, y, z], Is.EqualTo(vol[(int)Math.Round(i), (int)Math.Round(j), (int)Math.Round(k)]));
                }
            }
        }
        var back = plan.FromCanonical(can, affine);
        Assert.Multiple(() =>
        {
            Assert.That(back.Data, Is.EqualTo(data));
            Assert.That(back.Shape, Is.EqualTo(shape));
            Assert.That(plan.IsIdentity, Is.EqualTo(flips == 0 && perm.SequenceEqual([0, 1, 2])));
        });
    }

    [Test]
    public void SourceCode_NamesTheStoredDirections()
    {
        var las = Affine.FromRowMajor([-1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
        Assert.That(AxisReorientation.For(new VolumeShape(2, 2, 2), las).SourceCode, Is.EqualTo("LAS"));
    }
}
