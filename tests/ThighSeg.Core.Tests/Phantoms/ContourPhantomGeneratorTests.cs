using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Phantoms;

public class ContourPhantomGeneratorTests
{
    private static readonly ContourPhantomOptions Few = new() { MinSlices = 8, MaxSlices = 12 };
    private static readonly ContourPhantomOptions CleanFew = Few with { Noise = false, BiasField = false };

    private static readonly Lazy<PhantomSubject[]> Clean = new(() =>
    {
        var g = new ContourPhantomGenerator(CleanFew);
        return [.. Enumerable.Range(0, 6).Select(i => g.GenerateCohortMember(21, i))];
    });

    [Test]
    public void Generate_IsIdenticalForTheSameSeed_AndDiffersForAnother()
    {
        var g = new ContourPhantomGenerator(Few with { MinSlices = 4, MaxSlices = 6 });
        var a = g.Generate("a", 123);
        var b = g.Generate("a", 123);
        var c = g.Generate("a", 124);
        Assert.Multiple(() =>
        {
            Assert.That(b.Image.Data, Is.EqualTo(a.Image.Data));
            Assert.That(b.Labels.Data, Is.EqualTo(a.Labels.Data));
            Assert.That(b.Image.Affine, Is.EqualTo(a.Image.Affine));
            Assert.That(c.Image.Data.Length == a.Image.Data.Length && c.Image.Data.SequenceEqual(a.Image.Data), Is.False);
        });
    }

    [Test]
    public void Acquisition_StaysInTheDocumentedRanges()
    {
        var g = new ContourPhantomGenerator();
        var drawn = Enumerable.Range(0, 200).Select(i => g.DrawAcquisition(ThighPhantomGenerator.SubjectSeed(3, i))).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(drawn.Select(d => d.Slices), Is.All.InRange(24, 48));
            Assert.That(drawn.Select(d => d.SliceMm), Is.All.InRange(5.0, 6.0));
            Assert.That(drawn.Select(d => d.PixelMm), Is.All.InRange(1.4, 2.2));
            Assert.That(drawn.Select(d => d.FirstLevel), Is.All.GreaterThanOrEqualTo(0.0));
            Assert.That(drawn.Select(d => d.LastLevel), Is.All.LessThanOrEqualTo(1.0));
            // Most subjects keep the drawn native spacing (only large ones get a larger field of view).
            Assert.That(drawn.Count(d => d.PixelMm <= 1.7), Is.GreaterThanOrEqualTo(140));
            Assert.That(drawn.Count(d => d.Lps), Is.InRange(40, 80), "about 30% stored LPS");
        });
        // A rendered subject has the drawn acquisition.
        int seed = ThighPhantomGenerator.SubjectSeed(3, 0);
        var s = new ContourPhantomGenerator(new ContourPhantomOptions { MinSlices = 24, MaxSlices = 24 }).Generate("x", seed);
        var d0 = new ContourPhantomGenerator(new ContourPhantomOptions { MinSlices = 24, MaxSlices = 24 }).DrawAcquisition(seed);
        Assert.Multiple(() =>
        {
            Assert.That(s.Image.Shape, Is.EqualTo(new VolumeShape(192, 96, 24)));
            Assert.That(s.Image.Spacing.X, Is.EqualTo(d0.PixelMm).Within(1e-9));
            Assert.That(s.Image.Spacing.Y, Is.EqualTo(d0.PixelMm).Within(1e-9));
            Assert.That(s.Image.Spacing.Z, Is.EqualTo(d0.SliceMm).Within(1e-9));
            Assert.That(s.Levels[0], Is.EqualTo(d0.FirstLevel).Within(1e-12));
        });
    }

    [Test]
    public void Orientation_IsStoredAsDeclared_AndTheRightThighIsAtPatientRight()
    {
        var g = new ContourPhantomGenerator(Few with { MinSlices = 3, MaxSlices = 4 });
        var cohort = Enumerable.Range(0, 20).Select(i => g.GenerateCohortMember(9, i)).ToList();
        int lps = cohort.Count(s => s.Parameters.StoredOrientation == "LPS");
        Assert.Multiple(() =>
        {
            Assert.That(lps, Is.InRange(1, 12), "about 30% stored LPS");
            Assert.That(cohort.Count(s => s.Parameters.StoredOrientation == "RAS"), Is.EqualTo(20 - lps));
            foreach (var s in cohort)
            {
                Assert.That(Orientation.AxisCodes(s.Image.Affine), Is.EqualTo(s.Parameters.StoredOrientation), s.SubjectId);
                // World x (RAS+: towards patient right) of the right thigh's voxels exceeds the left's.
                double[] sum = new double[3];
                int[] count = new int[3];
                var sh = s.Image.Shape;
                for (int y = 0; y < sh.Y; y++)
                {
                    for (int x = 0; x < sh.X; x++)
                    {
                        int side = s.Sides[x, y, 0];
                        sum[side] += s.Image.Affine.Apply(x, y, 0).X;
                        count[side]++;
                    }
                }
                Assert.That(sum[1] / count[1], Is.GreaterThan((sum[2] / count[2]) + 40), s.SubjectId);
            }
        });
        Assert.Multiple(() =>
        {
            Assert.That(new ContourPhantomGenerator(Few with { MinSlices = 2, MaxSlices = 2, FlippedFraction = 0 }).GenerateCohortMember(9, 0).Parameters.StoredOrientation, Is.EqualTo("RAS"));
            Assert.That(new ContourPhantomGenerator(Few with { MinSlices = 2, MaxSlices = 2, FlippedFraction = 1 }).GenerateCohortMember(9, 0).Parameters.StoredOrientation, Is.EqualTo("LPS"));
        });
    }

    [Test]
    public void Anatomy_EveryMuscleIsPresentOnBothSidesWhereItsProfileSaysAndAbsentWhereNot()
    {
        var g = new ContourPhantomGenerator(CleanFew with { MinSlices = 40, MaxSlices = 48 });
        var cohort = Enumerable.Range(0, 3).Select(i => g.GenerateCohortMember(4, i)).ToList();
        int checkedPresent = 0, checkedAbsent = 0;
        foreach (var s in cohort)
        {
            var sh = s.Labels.Shape;
            for (int k = 0; k < sh.Z; k++)
            {
                double level = s.Levels[k];
                var seen = new HashSet<(int Label, int Side)>();
                for (int y = 0; y < sh.Y; y++)
                {
                    for (int x = 0; x < sh.X; x++)
                    {
                        int v = s.Labels[x, y, k];
                        if (v != 0)
                        {
                            seen.Add((v, s.Sides[x, y, k]));
                        }
                    }
                }
                for (int label = 1; label <= 13; label++)
                {
                    double p = ContourAnatomy.Presence(label, level);
                    if (p >= 0.75)
                    {
                        checkedPresent++;
                        Assert.That(seen.Contains((label, 1)) && seen.Contains((label, 2)), Is.True,
                            $"{s.SubjectId} slice {k} (level {level:F2}): {ContourPhantomGenerator.LabelMap.Name(label)} (presence {p:F2}) missing on a side");
                    }
                    else if (p <= 0.02)
                    {
                        checkedAbsent++;
                        Assert.That(seen.Any(t => t.Label == label), Is.False, $"{s.SubjectId} slice {k} (level {level:F2}): label {label} present");
                    }
                }
            }
        }
        Assert.That(checkedAbsent, Is.GreaterThan(0), "the stacks should reach levels where some muscle is absent");
        Assert.That(checkedPresent, Is.GreaterThan(300));
    }

    [Test]
    public void LabelBoundaries_LieOnIntensityEdges()
    {
        foreach (var s in Clean.Value)
        {
            var img = s.Image;
            var lab = s.Labels;
            double fat = img.Data.Where((_, i) => s.Tissue.Data[i] == (int)PhantomTissue.SubcutaneousFat).Average(v => (double)v);
            var boundary = new Dictionary<int, (int Total, int OnEdge)>();
            var sh = img.Shape;
            double I(int x, int y, int z) => img[Math.Clamp(x, 0, sh.X - 1), Math.Clamp(y, 0, sh.Y - 1), z] / fat;
            for (int z = 0; z < sh.Z; z++)
            {
                for (int y = 1; y < sh.Y - 1; y++)
                {
                    for (int x = 1; x < sh.X - 1; x++)
                    {
                        int v = lab[x, y, z];
                        if (v == 0)
                        {
                            continue;
                        }
                        bool isBoundary = false, onEdge = false;
                        foreach (var (dx, dy) in new[] { (1, 0), (-1, 0), (0, 1), (0, -1) })
                        {
                            if (lab[x + dx, y + dy, z] == v)
                            {
                                continue;
                            }
                            isBoundary = true;
                            double step = 0;
                            for (int t = -1; t <= 1; t++)
                            {
                                step = Math.Max(step, Math.Abs(I(x + ((t + 1) * dx), y + ((t + 1) * dy), z) - I(x + (t * dx), y + (t * dy), z)));
                            }
                            onEdge |= step >= 0.1;
                        }
                        if (isBoundary)
                        {
                            var (t0, e0) = boundary.GetValueOrDefault(v);
                            boundary[v] = (t0 + 1, e0 + (onEdge ? 1 : 0));
                        }
                    }
                }
            }
            Assert.That(boundary.Keys, Is.EquivalentTo(lab.Data.Where(v => v != 0).Distinct()), s.SubjectId);
            Assert.That(boundary.Keys, Has.Count.GreaterThanOrEqualTo(8), s.SubjectId);
            foreach (var (label, (total, onEdge)) in boundary)
            {
                Assert.That((double)onEdge / total, Is.GreaterThanOrEqualTo(0.97), $"{s.SubjectId}: label {label}: {onEdge}/{total} boundary voxels on an edge");
            }
        }
    }

    [Test]
    public void Contrast_IsT1Weighted()
    {
        foreach (var s in Clean.Value)
        {
            double Mean(PhantomTissue t) => s.Image.Data.Where((_, i) => s.Tissue.Data[i] == (int)t).Average(v => (double)v);
            double fat = Mean(PhantomTissue.SubcutaneousFat), muscle = Mean(PhantomTissue.Muscle), marrow = Mean(PhantomTissue.Marrow), cortex = Mean(PhantomTissue.CorticalBone);
            Assert.Multiple(() =>
            {
                Assert.That(muscle / fat, Is.InRange(0.2, 0.5), s.SubjectId);
                Assert.That(marrow / fat, Is.GreaterThan(0.7), s.SubjectId);
                Assert.That(cortex / fat, Is.LessThan(0.2), s.SubjectId);
            });
        }
    }

    [Test]
    public void LabelMap_IsTheSameAsTheFirstFamilys()
    {
        Assert.That(ContourPhantomGenerator.LabelMap.ToJson(), Is.EqualTo(ThighPhantomGenerator.LabelMap.ToJson()));
        Assert.That(ContourAnatomy.Muscles.Select(m => (m.Label, m.Name)),
            Is.EqualTo(ThighPhantomGenerator.LabelMap.Values.Where(v => v != 0).Select(v => (v, ThighPhantomGenerator.LabelMap.Name(v)))));
    }

    [Test]
    public void Options_RejectInvalidValues()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new ContourPhantomOptions { MatrixX = 8 }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MatrixX"));
            Assert.That(() => new ContourPhantomOptions { FlippedFraction = 1.5 }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("FlippedFraction"));
            Assert.That(() => new ContourPhantomGenerator(new ContourPhantomOptions { MinSlices = 30, MaxSlices = 20 }), Throws.ArgumentException.With.Message.Contains("MinSlices"));
        });
    }
}
