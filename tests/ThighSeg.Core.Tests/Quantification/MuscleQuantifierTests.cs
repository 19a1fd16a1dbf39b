using System.Text.Json;
using ThighSeg.Core.Data;
using ThighSeg.Core.Quantification;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Quantification;

public class MuscleQuantifierTests
{
    /// <summary>A right-thigh muscle (value 1) whose area grows with the slice, stored in LPI order; 0.5 x 0.8 x 3 mm voxels.</summary>
    private static (Volume<int> Labels, Volume<float> Image) Tapered()
    {
        var shape = new VolumeShape(40, 10, 8);
        var ras = new Volume<int>(shape, Affine.FromSpacing(0.5, 0.8, 3, -10, -4, 100));
        var image = new Volume<float>(shape, ras.Affine);
        for (int z = 0; z < 7; z++)
        {
            for (int y = 2; y < 8; y++)
            {
                for (int x = 25; x < 26 + z; x++)
                {
                    ras[x, y, z] = 1;
                    image[x, y, z] = 10 + z;
                }
            }
            for (int y = 2; y < 8; y++)
            {
                for (int x = 4; x < 10; x++)
                {
                    ras[x, y, z] = 1; // the same muscle on the left thigh: 36 voxels per slice
                }
            }
        }
        return (StorageOrder.Reorder(ras, [0, 1, 2], [true, true, true]), StorageOrder.Reorder(image, [0, 1, 2], [true, true, true]));
    }

    [Test]
    public void Csa_Volume_Levels_AndFovFlag_AreExact()
    {
        var (labels, image) = Tapered();
        var stats = MuscleQuantifier.Compute(labels, LabelMap.FromNames([KeyValuePair.Create(1, "vastus_lateralis")]), image,
            null, new QuantificationOptions { CaseId = "c1", RelativeLevel = 0.5 });
        var right = stats.Muscles.Single(r => r.Side == AnatomicalSide.Right);
        var left = stats.Muscles.Single(r => r.Side == AnatomicalSide.Left);
        double face = 0.5 * 0.8;
        Assert.Multiple(() =>
        {
            Assert.That(right.LabelName, Is.EqualTo("vastus_lateralis_right"));
            Assert.That(right.Label, Is.EqualTo(101));
            Assert.That(left.Label, Is.EqualTo(201));
            Assert.That(right.Voxels, Is.EqualTo(6 * (1 + 2 + 3 + 4 + 5 + 6 + 7)));
            Assert.That(right.VolumeMl, Is.EqualTo(right.Voxels * 0.5 * 0.8 * 3 / 1000).Within(1e-12));
            Assert.That(right.MaxCsaMm2, Is.EqualTo(42 * face).Within(1e-9));
            Assert.That(right.MaxCsaSlice, Is.EqualTo(6));
            Assert.That(right.MaxCsaLevel, Is.EqualTo(1.0));
            Assert.That(right.MaxCsaZMm, Is.EqualTo(100 + (6 * 3)).Within(1e-9));
            Assert.That(right.CsaAtLevelMm2, Is.EqualTo(24 * face).Within(1e-9)); // slice 3 of 0..6
            Assert.That(right.TouchesFovZ, Is.True); // slice 0 is the first slice
            Assert.That(right.IntensityMean, Is.EqualTo(Enumerable.Range(0, 7).Sum(z => 6.0 * (z + 1) * (10 + z)) / right.Voxels).Within(1e-9));
            Assert.That(right.IntensityMedian, Is.EqualTo(14)); // 168 values: the 84th and 85th are both 14
            Assert.That(left.MaxCsaMm2, Is.EqualTo(36 * face).Within(1e-9));
            Assert.That(left.IntensityMean, Is.Zero);
            Assert.That(double.IsNaN(left.FatFractionMean), Is.True);
        });
        var csa = stats.Csa.Where(r => r.Side == AnatomicalSide.Right).OrderBy(r => r.Slice).ToList();
        Assert.That(csa.Select(r => r.Voxels), Is.EqualTo(new long[] { 6, 12, 18, 24, 30, 36, 42 }));
        Assert.That(csa.Select(r => r.Level), Is.EqualTo(Enumerable.Range(0, 7).Select(k => k / 6.0)).Within(1e-12));
    }

    [Test]
    public void Tables_AreTidyCsvAndJson()
    {
        var (labels, image) = Tapered();
        var stats = MuscleQuantifier.Compute(labels, null, image, null, new QuantificationOptions { CaseId = "a,b" });
        string dir = Path.Combine(Path.GetTempPath(), "thighseg-stats-" + Guid.NewGuid().ToString("N"));
        try
        {
            var paths = StatisticsTables.Write(dir, [stats]);
            var lines = File.ReadAllLines(paths[0]);
            Assert.That(lines[0], Is.EqualTo(string.Join(",", StatisticsTables.MuscleColumns)));
            Assert.That(lines, Has.Length.EqualTo(3));
            Assert.That(lines[1], Does.StartWith("\"a,b\",101,label_1_right,label_1,right,168,"));
            Assert.That(File.ReadAllLines(paths[1]), Has.Length.EqualTo(1 + 7 + 7));
            using var json = JsonDocument.Parse(File.ReadAllText(paths[2]));
            var muscle = json.RootElement.GetProperty("cases")[0].GetProperty("muscles")[0];
            Assert.That(muscle.GetProperty("side").GetString(), Is.EqualTo("right"));
            Assert.That(muscle.GetProperty("csa_per_slice").GetArrayLength(), Is.EqualTo(7));
            Assert.That(muscle.GetProperty("ff_mean").ValueKind, Is.EqualTo(JsonValueKind.Null));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public void WorldResampler_IsExactForALinearField_AndNaNOutside()
    {
        var src = new Volume<float>(new VolumeShape(12, 10, 6), Affine.FromRowMajor([-2, 0, 0, 20, 0, -2, 0, 15, 0, 0, 4, -8, 0, 0, 0, 1]));
        static double F(double x, double y, double z) => (0.5 * x) - (0.25 * y) + (0.1 * z) + 3;
        for (int k = 0; k < 6; k++)
        {
            for (int j = 0; j < 10; j++)
            {
                for (int i = 0; i < 12; i++)
                {
                    var (x, y, z) = src.Affine.Apply(i, j, k);
                    src[i, j, k] = (float)F(x, y, z);
                }
            }
        }
        var grid = new Volume<int>(new VolumeShape(30, 4, 5), Affine.FromSpacing(1, 1.5, 3, -20, -2, -6));
        var r = WorldResampler.OntoGrid(src, grid);
        int inside = 0;
        for (int k = 0; k < 5; k++)
        {
            for (int j = 0; j < 4; j++)
            {
                for (int i = 0; i < 30; i++)
                {
                    var (x, y, z) = grid.Affine.Apply(i, j, k);
                    // source x covers [-2.., 20] (+-1 mm half voxel), z covers [-8, 12].
                    bool covered = x is >= -3 and <= 21;
                    if (covered)
                    {
                        inside++;
                        double expected = F(Math.Clamp(x, -2, 20), y, z);
                        Assert.That(r[i, j, k], Is.EqualTo(expected).Within(1e-4), $"({i},{j},{k})");
                    }
                    else
                    {
                        Assert.That(float.IsNaN(r[i, j, k]), Is.True, $"({i},{j},{k}) at x = {x}");
                    }
                }
            }
        }
        Assert.That(inside, Is.GreaterThan(100));
    }
}
