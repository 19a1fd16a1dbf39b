using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Phantoms;

public class ThighPhantomGeneratorTests
{
    private static readonly ThighMuscle[] AllMuscles = Enum.GetValues<ThighMuscle>();

    [Test]
    public void Generate_IsIdenticalForTheSameSeed()
    {
        var g = new ThighPhantomGenerator(PhantomFixtures.Small with { MatrixSize = 64 });
        var a = g.GenerateCohortMember(3, 2);
        var b = g.GenerateCohortMember(3, 2);
        Assert.Multiple(() =>
        {
            Assert.That(b.Image.Shape, Is.EqualTo(a.Image.Shape));
            Assert.That(b.Image.Affine, Is.EqualTo(a.Image.Affine));
            Assert.That(b.Image.Data, Is.EqualTo(a.Image.Data));
            Assert.That(b.Labels.Data, Is.EqualTo(a.Labels.Data));
        });
    }

    [Test]
    public void Generate_DiffersBetweenSubjectsAndCohortSeeds()
    {
        var g = new ThighPhantomGenerator(PhantomFixtures.Small with { MatrixSize = 64 });
        var a = g.GenerateCohortMember(3, 0);
        var b = g.GenerateCohortMember(3, 1);
        var c = g.GenerateCohortMember(4, 0);
        Assert.Multiple(() =>
        {
            Assert.That(a.Seed, Is.Not.EqualTo(b.Seed));
            Assert.That(a.Seed, Is.Not.EqualTo(c.Seed));
            Assert.That(a.Image.Shape == b.Image.Shape && a.Image.Data.SequenceEqual(b.Image.Data), Is.False);
            Assert.That(a.Image.Shape == c.Image.Shape && a.Image.Data.SequenceEqual(c.Image.Data), Is.False);
        });
    }

    [Test]
    public void Generate_VariesAcquisitionWithinDocumentedRanges()
    {
        var g = new ThighPhantomGenerator(new PhantomOptions { MatrixSize = 32 });
        var subjects = Enumerable.Range(0, 12).Select(i => g.GenerateCohortMember(9, i)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(subjects.All(s => s.Image.Shape.Z is >= 20 and <= 80), Is.True);
            Assert.That(subjects.All(s => s.Image.Shape.X == 32), Is.True);
            Assert.That(subjects.Select(s => s.Image.Shape.Z).Distinct().Count(), Is.GreaterThan(6));
            Assert.That(subjects.Select(s => Math.Round(s.Image.Spacing.X, 3)).Distinct().Count(), Is.GreaterThan(6));
            Assert.That(subjects.Select(s => s.Parameters.StoredOrientation).Distinct().Count(), Is.GreaterThan(1));
            Assert.That(subjects.All(s => Orientation.AxisCodes(s.Image.Affine) == s.Parameters.StoredOrientation), Is.True);
            Assert.That(subjects.Select(s => s.Levels.Min()).Distinct().Count(), Is.EqualTo(12));
            Assert.That(subjects.All(s => s.Levels.All(l => l is > 0 and < 1)), Is.True);
        });
    }

    [Test]
    public void Levels_FollowTheAffineAlongTheSuperiorAxis()
    {
        foreach (var s in PhantomFixtures.NoisySubjects)
        {
            double z0 = s.Image.Affine.Apply(0, 0, 0).Z, z1 = s.Image.Affine.Apply(0, 0, s.Image.Shape.Z - 1).Z;
            Assert.That(Math.Sign(z1 - z0), Is.EqualTo(Math.Sign(s.Levels[^1] - s.Levels[0])), s.SubjectId);
        }
    }

    private static HashSet<int> LabelsInSlice(Volume<int> labels, int k)
    {
        var set = new HashSet<int>();
        foreach (int v in labels.Slice(k))
        {
            if (v != 0)
            {
                set.Add(v);
            }
        }
        return set;
    }

    [Test]
    public void Anatomy_PresenceDependsOnThighLevel()
    {
        var g = new ThighPhantomGenerator(PhantomFixtures.Clean with { MatrixSize = 128, MinSlices = 40, MaxSlices = 40 });
        int checkedDistal = 0, checkedProximal = 0;
        var seenAnywhere = new HashSet<int>();
        for (int i = 0; i < 4; i++)
        {
            var s = g.GenerateCohortMember(21, i);
            for (int k = 0; k < s.Levels.Count; k++)
            {
                var present = LabelsInSlice(s.Labels, k);
                seenAnywhere.UnionWith(present);
                double l = s.Levels[k];
                if (l < 0.3)
                {
                    checkedDistal++;
                    Assert.That(present, Does.Not.Contain((int)ThighMuscle.AdductorLongus), $"{s.SubjectId} level {l:F2}");
                    Assert.That(present, Does.Not.Contain((int)ThighMuscle.AdductorBrevis), $"{s.SubjectId} level {l:F2}");
                    Assert.That(present, Does.Contain((int)ThighMuscle.BicepsFemorisShortHead), $"{s.SubjectId} level {l:F2}");
                }
                if (l > 0.65)
                {
                    checkedProximal++;
                    Assert.That(present, Does.Not.Contain((int)ThighMuscle.BicepsFemorisShortHead), $"{s.SubjectId} level {l:F2}");
                    Assert.That(present, Does.Contain((int)ThighMuscle.AdductorLongus), $"{s.SubjectId} level {l:F2}");
                    Assert.That(present, Does.Contain((int)ThighMuscle.AdductorMagnus), $"{s.SubjectId} level {l:F2}");
                }
                if (l < 0.1)
                {
                    Assert.That(present, Does.Not.Contain((int)ThighMuscle.AdductorMagnus), $"{s.SubjectId} level {l:F2}");
                }
                // Muscles running the whole length (below level 0.08 they are mostly tendons).
                foreach (var m in new[] { ThighMuscle.VastusLateralis, ThighMuscle.VastusIntermedius, ThighMuscle.RectusFemoris, ThighMuscle.Sartorius, ThighMuscle.Semitendinosus })
                {
                    Assert.That(present.Contains((int)m) || l < 0.08, Is.True, $"{s.SubjectId} level {l:F2} lacks {m}");
                }
            }
        }
        Assert.Multiple(() =>
        {
            Assert.That(checkedDistal, Is.GreaterThan(5));
            Assert.That(checkedProximal, Is.GreaterThan(5));
            Assert.That(seenAnywhere, Is.EquivalentTo(AllMuscles.Select(m => (int)m)));
        });
    }

    [Test]
    public void Anatomy_VastusMedialisGrowsAndAdductorMagnusShrinksTowardsTheKnee()
    {
        var g = new ThighPhantomGenerator(PhantomFixtures.Clean with { MatrixSize = 96, MinSlices = 30, MaxSlices = 30 });
        var s = g.GenerateCohortMember(2, 0);
        double Area(int label, Func<double, bool> where) =>
            Enumerable.Range(0, s.Levels.Count).Where(k => where(s.Levels[k])).Average(k => s.Labels.Slice(k).ToArray().Count(v => v == label));
        double lo = s.Parameters.FirstLevel, hi = s.Parameters.LastLevel, third = (hi - lo) / 3;
        bool Distal(double l) => l < lo + third;
        bool Proximal(double l) => l > hi - third;
        Assert.Multiple(() =>
        {
            Assert.That(Area((int)ThighMuscle.VastusMedialis, Distal), Is.GreaterThan(Area((int)ThighMuscle.VastusMedialis, Proximal)));
            Assert.That(Area((int)ThighMuscle.AdductorMagnus, Distal), Is.LessThan(Area((int)ThighMuscle.AdductorMagnus, Proximal)));
        });
    }

    [Test]
    public void Labels_UseTheSameValueOnBothSides()
    {
        foreach (var s in PhantomFixtures.CleanSubjects.Take(3))
        {
            var right = new HashSet<int>();
            var left = new HashSet<int>();
            for (int i = 0; i < s.Labels.Data.Length; i++)
            {
                if (s.Labels.Data[i] != 0)
                {
                    (s.Sides.Data[i] == 1 ? right : left).Add(s.Labels.Data[i]);
                }
            }
            Assert.That(left, Is.EquivalentTo(right), s.SubjectId);
        }
    }

    [Test]
    public void Intensity_FatAboveMuscleAboveCorticalBone()
    {
        foreach (var s in PhantomFixtures.NoisySubjects)
        {
            double Mean(PhantomTissue t)
            {
                double sum = 0;
                int n = 0;
                for (int i = 0; i < s.Image.Data.Length; i++)
                {
                    if (s.Tissue.Data[i] == (int)t)
                    {
                        sum += s.Image.Data[i];
                        n++;
                    }
                }
                Assert.That(n, Is.GreaterThan(0), $"{s.SubjectId}: no {t}");
                return sum / n;
            }
            double fat = Mean(PhantomTissue.SubcutaneousFat), muscle = Mean(PhantomTissue.Muscle), cortex = Mean(PhantomTissue.CorticalBone);
            double marrow = Mean(PhantomTissue.Marrow), air = Mean(PhantomTissue.Air);
            Assert.Multiple(() =>
            {
                Assert.That(fat, Is.GreaterThan(1.5 * muscle), s.SubjectId);
                Assert.That(muscle, Is.GreaterThan(1.5 * cortex), s.SubjectId);
                Assert.That(marrow, Is.GreaterThan(muscle), s.SubjectId);
                Assert.That(air, Is.LessThan(cortex * 1.5), s.SubjectId);
            });
        }
    }

    /// <summary>
    /// Every label boundary lies on an intensity edge. Criterion, on noise-free images scaled so that mean subcutaneous
    /// fat is 1: for a muscle voxel a whose 4-neighbour b (direction d) has another label, the boundary a|b is "on an
    /// edge" when some step between consecutive voxels of a-d, a, b, b+d (the boundary within one pixel, allowing for
    /// partial volume) is at least 0.1. At least 97% of each muscle's boundary voxels must have such an edge, while
    /// inside muscles (all 8 neighbours the same label) the median step is below 0.03.
    /// </summary>
    [Test]
    public void LabelBoundaries_LieOnIntensityEdges()
    {
        foreach (var s in PhantomFixtures.CleanSubjects)
        {
            var img = s.Image;
            var lab = s.Labels;
            double fatSum = 0;
            int fatN = 0;
            for (int i = 0; i < img.Data.Length; i++)
            {
                if (s.Tissue.Data[i] == (int)PhantomTissue.SubcutaneousFat)
                {
                    fatSum += img.Data[i];
                    fatN++;
                }
            }
            double fat = fatSum / fatN;
            var boundary = new Dictionary<int, (int Total, int OnEdge)>();
            var interiorSteps = new List<double>();
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
                        bool interior = true, isBoundary = false, onEdge = false;
                        foreach (var (dx, dy) in new[] { (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1) })
                        {
                            if (lab[x + dx, y + dy, z] == v)
                            {
                                continue;
                            }
                            interior = false;
                            if (dx != 0 && dy != 0)
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
                        if (interior)
                        {
                            interiorSteps.Add(Math.Abs(I(x + 1, y, z) - I(x, y, z)));
                        }
                        if (isBoundary)
                        {
                            var (t, e) = boundary.GetValueOrDefault(v);
                            boundary[v] = (t + 1, e + (onEdge ? 1 : 0));
                        }
                    }
                }
            }
            interiorSteps.Sort();
            Assert.That(interiorSteps[interiorSteps.Count / 2], Is.LessThan(0.03), $"{s.SubjectId}: interior texture too strong");
            Assert.That(boundary.Keys, Has.Count.GreaterThanOrEqualTo(10), s.SubjectId);
            foreach (var (label, (total, onEdge)) in boundary)
            {
                Assert.That((double)onEdge / total, Is.GreaterThanOrEqualTo(0.97), $"{s.SubjectId}: label {label}: {onEdge}/{total} boundary voxels on an edge");
            }
        }
    }

    [Test]
    public void Options_RejectInvalidValues()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new PhantomOptions { MatrixSize = 8 }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MatrixSize"));
            Assert.That(() => new PhantomOptions { MinSlices = 1 }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MinSlices"));
            Assert.That(() => new ThighPhantomGenerator(new PhantomOptions { MinSlices = 50, MaxSlices = 40 }), Throws.ArgumentException.With.Message.Contains("MinSlices"));
        });
    }

    [Test]
    public void LabelMap_HasThirteenNamedMusclesAndBackground()
    {
        var map = ThighPhantomGenerator.LabelMap;
        Assert.Multiple(() =>
        {
            Assert.That(map.Count, Is.EqualTo(14));
            Assert.That(map.Name(0), Is.EqualTo("background"));
            Assert.That(map.Name((int)ThighMuscle.VastusLateralis), Is.EqualTo("vastus_lateralis"));
            Assert.That(map.Name((int)ThighMuscle.BicepsFemorisShortHead), Is.EqualTo("biceps_femoris_short_head"));
        });
    }
}
