using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Quantification;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Quantification;

public class SideLabelsTests
{
    private static readonly Lazy<PhantomSubject> Asymmetric = new(() =>
        new ThighPhantomGenerator(new PhantomOptions { MatrixSize = 80, MinSlices = 12, MaxSlices = 14, Noise = false, BiasField = false, RandomAxisDirections = false, LeftThighScale = 1.25 })
            .Generate("asym", 4242));

    [Test]
    public void AssignSides_MatchesThePhantomsSides_InEveryStorageOrder()
    {
        var s = Asymmetric.Value;
        Assert.That(Orientation.AxisCodes(s.Labels.Affine), Is.EqualTo("RAS"));
        foreach (var (name, perm, flip) in StorageOrder.All())
        {
            var labels = StorageOrder.Reorder(s.Labels, perm, flip);
            var truth = StorageOrder.Reorder(s.Sides, perm, flip);
            var sides = SideLabels.AssignSides(labels);
            int wrong = 0, labelled = 0;
            for (int i = 0; i < labels.Data.Length; i++)
            {
                if (labels.Data[i] != 0)
                {
                    labelled++;
                    wrong += sides.Data[i] == truth.Data[i] ? 0 : 1;
                }
                else
                {
                    Assert.That(sides.Data[i], Is.Zero);
                }
            }
            Assert.That(labelled, Is.GreaterThan(1000));
            Assert.That(wrong, Is.Zero, $"{name} ({Orientation.AxisCodes(labels.Affine)}): {wrong} of {labelled} labelled voxels on the wrong side");
        }
    }

    [Test]
    public void PerSideVolumes_OfAnAsymmetricPhantom_DifferAndEqualTheTruth_InEveryStorageOrder()
    {
        var s = Asymmetric.Value;
        double voxelMl = Core.Metrics.MuscleVolumes.VoxelVolumeMl(s.Labels.Affine);
        foreach (var (name, perm, flip) in StorageOrder.All())
        {
            var labels = StorageOrder.Reorder(s.Labels, perm, flip);
            var stats = MuscleQuantifier.Compute(labels, ThighPhantomGenerator.LabelMap);
            double right = 0, left = 0;
            foreach (var row in stats.Muscles)
            {
                long truth = 0;
                for (int i = 0; i < s.Labels.Data.Length; i++)
                {
                    truth += s.Labels.Data[i] == row.Label % 100 && s.Sides.Data[i] == (int)row.Side ? 1 : 0;
                }
                Assert.That(row.Voxels, Is.EqualTo(truth), $"{name} {row.LabelName}");
                Assert.That(row.VolumeMl, Is.EqualTo(truth * voxelMl).Within(1e-9), $"{name} {row.LabelName}");
                Assert.That(row.Label, Is.EqualTo((row.Side == AnatomicalSide.Right ? 100 : 200) + (row.Label % 100)));
                Assert.That(row.LabelName, Does.EndWith(row.Side == AnatomicalSide.Right ? "_right" : "_left"));
                if (row.Side == AnatomicalSide.Right)
                {
                    right += row.VolumeMl;
                }
                else
                {
                    left += row.VolumeMl;
                }
            }
            // The left compartment is 1.25 times wider: about 1.5 times the area, plus muscles that only pass the size threshold on the larger side.
            Assert.That(left / right, Is.InRange(1.3, 2.3), $"{name}: left {left:F1} mL, right {right:F1} mL");
        }
    }

    [Test]
    public void SidedMap_IsTheMapSplitWrites_ForEveryScheme_AndLeavesSidedMapsAlone()
    {
        var s = Asymmetric.Value;
        foreach (var scheme in new[] { SideLabelScheme.Offset, SideLabelScheme.MuscleMap })
        {
            var map = SideLabels.SidedMap(ThighPhantomGenerator.LabelMap, scheme);
            var split = SideLabels.Split(s.Labels, ThighPhantomGenerator.LabelMap, scheme).LabelMap;
            Assert.That(map.Names, Is.EquivalentTo(split.Names), scheme.ToString());
            Assert.That(SideLabels.SidedMap(map, scheme), Is.SameAs(map));
        }
        Assert.That(SideLabels.SidedMap(ThighPhantomGenerator.LabelMap).Name(101), Is.EqualTo(ThighPhantomGenerator.LabelMap.Name(1) + "_right"));
    }

    [Test]
    public void Split_UsesTheMuscleMapCodes_AndLeavesSidedLabelsAlone()
    {
        var s = Asymmetric.Value;
        var sided = SideLabels.Split(s.Labels, ThighPhantomGenerator.LabelMap, SideLabelScheme.MuscleMap);
        Assert.That(sided.LabelMap.Name(7101), Is.EqualTo("vastus_lateralis_left"));
        Assert.That(sided.LabelMap.Name(7102), Is.EqualTo("vastus_lateralis_right"));
        Assert.That(sided.LabelMap.Name(7222), Is.EqualTo("adductor_brevis_right"));
        Assert.That(sided.Labels.Data.Where(v => v != 0).Distinct().All(v => v is >= 7101 and <= 7222), Is.True);
        var again = SideLabels.Split(sided.Labels, sided.LabelMap);
        Assert.That(again.Labels.Data, Is.EqualTo(sided.Labels.Data));
        Assert.That(again.Entries.Single(e => e.Value == 7101).Side, Is.EqualTo(AnatomicalSide.Left));
        Assert.That(() => SideLabels.Value(SideLabelScheme.Offset, 100, "x", AnatomicalSide.Left), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => SideLabels.Value(SideLabelScheme.MuscleMap, 3, "psoas", AnatomicalSide.Left), Throws.ArgumentException.With.Message.Contains("psoas"));
    }

    [Test]
    public void AssignSides_UsesTheWorldXDirection_NotTheColumns()
    {
        // Two blobs; in RAS storage the blob at high x is patient right. Flipping only the affine's x sign (LAS storage of
        // the same array) must swap the sides.
        var shape = new VolumeShape(20, 6, 3);
        var data = new int[shape.VoxelCount];
        for (int z = 0; z < 3; z++)
        {
            for (int y = 1; y < 5; y++)
            {
                for (int x = 2; x < 7; x++)
                {
                    data[shape.Index(x, y, z)] = 1;
                    data[shape.Index(x + 11, y, z)] = 1;
                }
            }
        }
        var ras = SideLabels.AssignSides(new Volume<int>(shape, Affine.FromSpacing(1, 1, 1), data));
        var las = SideLabels.AssignSides(new Volume<int>(shape, Affine.FromSpacing(-1, 1, 1, 19), data));
        Assert.That(ras[15, 2, 1], Is.EqualTo((int)AnatomicalSide.Right));
        Assert.That(ras[3, 2, 1], Is.EqualTo((int)AnatomicalSide.Left));
        Assert.That(las[15, 2, 1], Is.EqualTo((int)AnatomicalSide.Left));
        Assert.That(las[3, 2, 1], Is.EqualTo((int)AnatomicalSide.Right));
    }
}
