using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Quantification;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Quantification;

public class FatFractionTests
{
    private static readonly PhantomOptions DixonOptions = new() { MatrixSize = 96, MinSlices = 14, MaxSlices = 18, Dixon = true };

    private static readonly Lazy<PhantomSubject[]> Cohort = new(() =>
    {
        var g = new ThighPhantomGenerator(DixonOptions);
        return [.. Enumerable.Range(0, 3).Select(i => g.GenerateCohortMember(21, i))];
    });

    [Test]
    public void DixonPhantom_KeepsTheT1wImage_AndGivesSubjectAndMuscleSpecificTruth()
    {
        var plain = new ThighPhantomGenerator(DixonOptions with { Dixon = false }).GenerateCohortMember(21, 0);
        var dixon = Cohort.Value[0];
        Assert.That(plain.Dixon, Is.Null);
        Assert.That(dixon.Dixon, Is.Not.Null);
        Assert.That(dixon.Image.Data, Is.EqualTo(plain.Image.Data));
        Assert.That(dixon.Labels.Data, Is.EqualTo(plain.Labels.Data));
        var truth = dixon.Dixon!.Truth;
        Assert.That(truth.Select(t => t.FatFraction).Distinct().Count(), Is.EqualTo(truth.Count));
        Assert.That(truth.All(t => t.FatFraction is > 0.005 and < 0.7), Is.True);
        var other = Cohort.Value[1].Dixon!.Truth;
        Assert.That(other.Average(t => t.FatFraction), Is.Not.EqualTo(truth.Average(t => t.FatFraction)).Within(1e-4));
        // Subcutaneous fat is fat, muscle is mostly water.
        var tissue = dixon.Tissue.Data;
        var ff = dixon.Dixon.FatFraction.Data;
        double sat = Enumerable.Range(0, tissue.Length).Where(i => tissue[i] == (int)PhantomTissue.SubcutaneousFat).Average(i => ff[i]);
        Assert.That(sat, Is.GreaterThan(0.8));
    }

    [Test]
    public void WaterFat_WithTrueLabels_IsWithinHalfAPercentagePoint_AndVolumesAreExact()
    {
        foreach (var s in Cohort.Value)
        {
            var d = s.Dixon!;
            var stats = MuscleQuantifier.Compute(s.Labels, ThighPhantomGenerator.LabelMap, s.Image, FatFractionSource.FromWaterFat(d.Water, d.Fat),
                new QuantificationOptions { CaseId = s.SubjectId });
            int checkedRows = 0;
            foreach (var t in d.Truth)
            {
                var row = stats.Muscles.Single(r => r.Label % 100 == t.Label && r.Side == t.Side);
                Assert.That(row.Voxels, Is.EqualTo(t.Voxels), $"{s.SubjectId} {row.LabelName}");
                Assert.That(row.VolumeMl, Is.EqualTo(t.VolumeMl).Within(1e-9));
                if (t.VolumeMl >= 1)
                {
                    checkedRows++;
                    Assert.That(row.FatFractionMean, Is.EqualTo(t.FatFraction).Within(0.005), $"{s.SubjectId} {row.LabelName}");
                    Assert.That(row.LeanVolumeMl, Is.EqualTo(row.VolumeMl * (1 - row.FatFractionMean)).Within(1e-9));
                }
            }
            Assert.That(checkedRows, Is.GreaterThan(15));
        }
    }

    [Test]
    public void InOpposedPhase_ResolvesToTheWaterDominantSolution()
    {
        var s = Cohort.Value[0];
        var d = s.Dixon!;
        var ip = d.Water.WithData(d.Water.Data.Zip(d.Fat.Data, (w, f) => w + f).ToArray());
        var op = d.Water.WithData(d.Water.Data.Zip(d.Fat.Data, (w, f) => Math.Abs(w - f)).ToArray());
        var stats = MuscleQuantifier.Compute(s.Labels, ThighPhantomGenerator.LabelMap, null, FatFractionSource.FromInOpposedPhase(ip, op));
        var waterFat = MuscleQuantifier.Compute(s.Labels, ThighPhantomGenerator.LabelMap, null, FatFractionSource.FromWaterFat(d.Water, d.Fat));
        foreach (var t in d.Truth.Where(t => t.VolumeMl >= 1))
        {
            var row = stats.Muscles.Single(r => r.Label % 100 == t.Label && r.Side == t.Side);
            var wf = waterFat.Muscles.Single(r => r.Label == row.Label);
            // Identical wherever every voxel is water-dominant; a fat-dominant voxel can only lower the two-point value.
            Assert.That(row.FatFractionMean, Is.LessThanOrEqualTo(wf.FatFractionMean + 1e-6));
            if (t.FatFraction < 0.2)
            {
                Assert.That(row.FatFractionMean, Is.EqualTo(t.FatFraction).Within(0.005), row.LabelName);
            }
        }
        Assert.That(stats.FatFraction, Is.EqualTo(FatFractionMethod.InOpposedPhase));
    }

    [Test]
    public void FatFractionMap_OnAnotherGrid_IsResampledByWorldCoordinates()
    {
        var s = Cohort.Value[1];
        var d = s.Dixon!;
        // The truth map in percent, stored in LPS order: the same world positions, another grid.
        var map = StorageOrder.Reorder(d.FatFraction.WithData(d.FatFraction.Data.Select(f => f * 100).ToArray()), [1, 0, 2], [true, true, false]);
        Assert.That(map.SameGeometry(s.Labels), Is.False);
        var stats = MuscleQuantifier.Compute(s.Labels, ThighPhantomGenerator.LabelMap, null, FatFractionSource.FromMap(map, percent: true));
        foreach (var t in d.Truth)
        {
            var row = stats.Muscles.Single(r => r.Label % 100 == t.Label && r.Side == t.Side);
            Assert.That(row.FatFractionMean, Is.EqualTo(t.FatFraction).Within(1e-5), row.LabelName);
        }
    }

    [Test]
    public void Erosion_RemovesVoxelsWithinTheRadius()
    {
        var shape = new VolumeShape(14, 14, 14);
        var labels = new Volume<int>(shape, Affine.FromSpacing(1, 1, 1));
        var map = new Volume<float>(shape, Affine.FromSpacing(1, 1, 1));
        for (int z = 2; z < 12; z++)
        {
            for (int y = 2; y < 12; y++)
            {
                for (int x = 2; x < 12; x++)
                {
                    labels[x, y, z] = 1;
                    // 0.9 on the outer layer, 0.2 inside: erosion removes the outer layer's partial volume.
                    bool edge = x is 2 or 11 || y is 2 or 11 || z is 2 or 11;
                    map[x, y, z] = edge ? 0.9f : 0.2f;
                }
            }
        }
        var none = MuscleQuantifier.Compute(labels, null, null, FatFractionSource.FromMap(map)).Muscles.Single(r => r.Voxels > 0);
        var eroded = MuscleQuantifier.Compute(labels, null, null, FatFractionSource.FromMap(map), new QuantificationOptions { ErosionMm = 1.5 }).Muscles.Single(r => r.Voxels > 0);
        var twice = MuscleQuantifier.Compute(labels, null, null, FatFractionSource.FromMap(map), new QuantificationOptions { ErosionMm = 2.0 }).Muscles.Single(r => r.Voxels > 0);
        Assert.That(none.FatFractionVoxels, Is.EqualTo(1000));
        Assert.That(eroded.FatFractionVoxels, Is.EqualTo(512));
        Assert.That(twice.FatFractionVoxels, Is.EqualTo(216));
        Assert.That(eroded.FatFractionMean, Is.EqualTo(0.2).Within(1e-6));
        Assert.That(none.FatFractionMean, Is.EqualTo(((488 * 0.9) + (512 * 0.2)) / 1000).Within(1e-6));
        Assert.That(eroded.VolumeMl, Is.EqualTo(1.0).Within(1e-12));
    }
}
