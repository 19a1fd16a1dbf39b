using ThighSeg.Core.Postprocessing;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Postprocessing;

[TestFixture]
public sealed class LargestComponentTests
{
    private static Volume<int> Empty(int x, int y, int z) => new(new VolumeShape(x, y, z), Affine.Identity);

    [Test]
    public void KeepLargest_RemovesSmallerIslandsOfEachLabel_AndKeepsOtherLabels()
    {
        var v = Empty(10, 10, 3);
        for (int x = 0; x < 4; x++)
        {
            for (int y = 0; y < 4; y++)
            {
                v[x, y, 1] = 1; // 16-voxel component of label 1
            }
        }
        v[8, 8, 1] = 1;          // 1-voxel island of label 1
        v[8, 0, 0] = 2;          // label 2 single voxel: its only component, kept
        var cleaned = LargestComponent.KeepLargest(v);
        Assert.Multiple(() =>
        {
            Assert.That(cleaned.Data.Count(d => d == 1), Is.EqualTo(16));
            Assert.That(cleaned[8, 8, 1], Is.Zero);
            Assert.That(cleaned[8, 0, 0], Is.EqualTo(2));
            Assert.That(v[8, 8, 1], Is.EqualTo(1), "input is not modified");
        });
    }

    [Test]
    public void KeepLargest_WithTwoPerLabel_KeepsBothThighs()
    {
        var v = Empty(9, 3, 1);
        v[0, 0, 0] = v[1, 0, 0] = 3;                 // left, 2 voxels
        v[7, 0, 0] = v[8, 0, 0] = v[8, 1, 0] = 3;    // right, 3 voxels
        v[4, 2, 0] = 3;                              // stray, 1 voxel
        var cleaned = LargestComponent.KeepLargest(v, componentsPerLabel: 2);
        Assert.That(cleaned.Data.Count(d => d == 3), Is.EqualTo(5));
        Assert.That(cleaned[4, 2, 0], Is.Zero);
    }

    [Test]
    public void Connectivity_DiagonalVoxelsJoinOnlyWithFullConnectivity()
    {
        var v = Empty(3, 3, 1);
        v[0, 0, 0] = v[1, 1, 0] = v[2, 2, 0] = 5;
        Assert.That(LargestComponent.KeepLargest(v).Data.Count(d => d == 5), Is.EqualTo(1));
        Assert.That(LargestComponent.KeepLargest(v, fullConnectivity: true).Data.Count(d => d == 5), Is.EqualTo(3));
    }
}
