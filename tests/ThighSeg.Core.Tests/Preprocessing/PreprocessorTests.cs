using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Core.Tests.Phantoms;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Preprocessing;

public class PreprocessorTests
{
    private static PreprocessingOptions NativeOptions(PhantomSubject s, bool split = true) => new()
    {
        TargetSpacingMm = s.Image.Spacing.X,
        TargetSize = s.Image.Shape.X,
        SplitThighs = split,
    };

    [Test]
    public void SplitAndMirror_RoundTripReturnsTheLabelsExactly_AtNativeSpacing()
    {
        foreach (var s in PhantomFixtures.NoisySubjects)
        {
            var pre = new Preprocessor(NativeOptions(s));
            var prepared = pre.Prepare(s.Image, s.Labels, s.SubjectId);
            Assert.That(prepared.Stacks.Select(x => x.Part), Is.EqualTo(new[] { Preprocessor.Right, Preprocessor.Left }));
            var restored = Preprocessor.Restore(prepared, [.. prepared.Stacks.Select(x => x.Labels!)]);
            Assert.Multiple(() =>
            {
                Assert.That(restored.Shape, Is.EqualTo(s.Labels.Shape), s.SubjectId);
                Assert.That(restored.Affine, Is.EqualTo(s.Labels.Affine), s.SubjectId);
                Assert.That(restored.Data, Is.EqualTo(s.Labels.Data), $"{s.SubjectId} ({s.Parameters.StoredOrientation})");
            });
        }
    }

    [Test]
    public void WholeSlice_RoundTripReturnsTheLabelsExactly_AtNativeSpacing()
    {
        var s = PhantomFixtures.NoisySubjects[0];
        var prepared = new Preprocessor(NativeOptions(s, split: false)).Prepare(s.Image, s.Labels, s.SubjectId);
        Assert.That(prepared.Stacks, Has.Count.EqualTo(1));
        var restored = Preprocessor.Restore(prepared, [prepared.Stacks[0].Labels!]);
        Assert.That(restored.Data, Is.EqualTo(s.Labels.Data));
    }

    [Test]
    public void Resampling_RoundTripIsClose()
    {
        foreach (var s in PhantomFixtures.NoisySubjects.Take(3))
        {
            var opt = new PreprocessingOptions { TargetSpacingMm = s.Image.Spacing.X * 0.8, TargetSize = 96 };
            var prepared = new Preprocessor(opt).Prepare(s.Image, s.Labels, s.SubjectId);
            var restored = Preprocessor.Restore(prepared, [.. prepared.Stacks.Select(x => x.Labels!)]);
            int agree = 0, foreground = 0;
            for (int i = 0; i < restored.Data.Length; i++)
            {
                if (s.Labels.Data[i] != 0 || restored.Data[i] != 0)
                {
                    foreground++;
                    agree += s.Labels.Data[i] == restored.Data[i] ? 1 : 0;
                }
            }
            Assert.That((double)agree / foreground, Is.GreaterThan(0.93), s.SubjectId);
        }
    }

    [Test]
    public void RestoreMap_InterpolatesBackToTheOriginalGeometry()
    {
        var s = PhantomFixtures.NoisySubjects[1];
        var prepared = new Preprocessor(new PreprocessingOptions { TargetSpacingMm = s.Image.Spacing.X * 0.7, TargetSize = 112 })
            .Prepare(s.Image, s.Labels, s.SubjectId);
        // Probability of "vastus lateralis" as a 0/1 map.
        int vl = (int)ThighMuscle.VastusLateralis;
        var maps = prepared.Stacks.Select(st => st.Labels!.Select(v => v == vl ? 1f : 0f).ToArray()).ToList();
        var back = Preprocessor.RestoreMap(prepared, maps);
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < back.Data.Length; i++)
        {
            bool p = back.Data[i] >= 0.5f, t = s.Labels.Data[i] == vl;
            tp += p && t ? 1 : 0;
            fp += p && !t ? 1 : 0;
            fn += !p && t ? 1 : 0;
        }
        Assert.Multiple(() =>
        {
            Assert.That(back.SameGeometry(s.Image), Is.True);
            Assert.That(2.0 * tp / ((2 * tp) + fp + fn), Is.GreaterThan(0.9));
        });
    }

    [Test]
    public void Split_PutsEveryMuscleVoxelInItsOwnThighsStack()
    {
        // Cohort members include touching thighs (negative gaps) and asymmetric positions.
        var g = new ThighPhantomGenerator(PhantomFixtures.Small with { MatrixSize = 80 });
        var subjects = Enumerable.Range(0, 10).Select(i => g.GenerateCohortMember(77, i)).ToList();
        Assert.That(subjects.Any(s => s.Parameters.MinThighGapMm < 0), Is.True, "the test needs a subject with touching thighs");
        foreach (var s in subjects)
        {
            var prepared = new Preprocessor(NativeOptions(s)).Prepare(s.Image, s.Labels, s.SubjectId);
            // Stack 0 (right) restored alone: every right-thigh muscle voxel, and no left-thigh one, must come back.
            var right = prepared.Stacks[0].Labels!;
            var restored = Preprocessor.Restore(prepared, [right, new int[right.Length]]);
            for (int i = 0; i < restored.Data.Length; i++)
            {
                if (s.Labels.Data[i] == 0)
                {
                    continue;
                }
                bool onRight = s.Sides.Data[i] == 1;
                Assert.That(restored.Data[i] != 0, Is.EqualTo(onRight), $"{s.SubjectId}: voxel {i} (gap {s.Parameters.MinThighGapMm:F1} mm)");
            }
        }
    }

    [Test]
    public void Mirroring_MakesLeftAndRightThighsAlign()
    {
        var s = PhantomFixtures.CleanSubjects[2];
        var prepared = new Preprocessor(new PreprocessingOptions { TargetSpacingMm = 2.5, TargetSize = 96 }).Prepare(s.Image, s.Labels, s.SubjectId);
        var r = prepared.Stacks[0].Labels!;
        var l = prepared.Stacks[1].Labels!;
        // The same muscle sits on the same side of both stacks: the lateral vastus is on the high-column side.
        double MeanColumn(int[] lab, int value)
        {
            long sum = 0, n = 0;
            for (int i = 0; i < lab.Length; i++)
            {
                if (lab[i] == value)
                {
                    sum += i % 96;
                    n++;
                }
            }
            return (double)sum / n;
        }
        int vl = (int)ThighMuscle.VastusLateralis, gra = (int)ThighMuscle.Gracilis;
        Assert.Multiple(() =>
        {
            Assert.That(MeanColumn(r, vl), Is.GreaterThan(MeanColumn(r, gra) + 10));
            Assert.That(MeanColumn(l, vl), Is.GreaterThan(MeanColumn(l, gra) + 10));
        });
    }

    [Test]
    public void Slices_RunFromInferiorToSuperiorWithPositionKPlusOneOverK()
    {
        foreach (var s in PhantomFixtures.NoisySubjects)
        {
            var prepared = new Preprocessor(new PreprocessingOptions { TargetSpacingMm = 3, TargetSize = 64 }).Prepare(s.Image, s.Labels, s.SubjectId);
            var st = prepared.Stacks[0];
            Assert.That(st.Depth, Is.EqualTo(s.Image.Shape.Z));
            Assert.That(st.Position(st.Depth - 1), Is.EqualTo(1.0));
            Assert.That(st.Position(0), Is.EqualTo(1.0 / st.Depth));
            // Adductor longus (proximal) appears at higher p than biceps femoris short head (distal).
            double MeanP(int label)
            {
                double sum = 0;
                long n = 0;
                for (int k = 0; k < st.Depth; k++)
                {
                    int c = st.SliceLabels(k).ToArray().Count(v => v == label);
                    sum += c * st.Position(k);
                    n += c;
                }
                return n == 0 ? double.NaN : sum / n;
            }
            double al = MeanP((int)ThighMuscle.AdductorLongus), bfs = MeanP((int)ThighMuscle.BicepsFemorisShortHead);
            if (!double.IsNaN(al) && !double.IsNaN(bfs))
            {
                Assert.That(al, Is.GreaterThan(bfs), s.SubjectId);
            }
        }
    }

    [Test]
    public void Stacks_RecordEachSlicesScannerZ_InferiorFirst_WhateverTheStoredOrientation()
    {
        Assert.That(PhantomFixtures.NoisySubjects.Any(s => s.Image.Affine[2, 2] < 0), Is.True, "the fixture stores some subjects superior first");
        foreach (var s in PhantomFixtures.NoisySubjects)
        {
            var prepared = new Preprocessor(new PreprocessingOptions { TargetSpacingMm = 3, TargetSize = 64 }).Prepare(s.Image, s.Labels, s.SubjectId);
            var a = s.Image.Affine;
            var stored = Enumerable.Range(0, s.Image.Shape.Z).Select(k => a.Apply((s.Image.Shape.X - 1) / 2.0, (s.Image.Shape.Y - 1) / 2.0, k).Z).Order().ToArray();
            foreach (var st in prepared.Stacks)
            {
                Assert.That(st.AxialMm, Is.EqualTo(stored).Within(1e-6), $"{s.SubjectId} {st.Part}: the files' slice z, ascending");
            }
        }
    }

    [Test]
    public void Normalization_ClipsThenZScoresTheVolume()
    {
        var s = PhantomFixtures.NoisySubjects[0];
        var prepared = new Preprocessor().Prepare(s.Image, null, s.SubjectId);
        var n = prepared.Normalization;
        double sum = 0, sum2 = 0;
        foreach (float v in s.Image.Data)
        {
            double z = n.Apply(v);
            sum += z;
            sum2 += z * z;
        }
        double mean = sum / s.Image.Data.Length, var = (sum2 / s.Image.Data.Length) - (mean * mean);
        Assert.Multiple(() =>
        {
            Assert.That(mean, Is.EqualTo(0).Within(1e-3));
            Assert.That(var, Is.EqualTo(1).Within(1e-3));
            Assert.That(n.Low, Is.LessThan(n.High));
            Assert.That(prepared.Stacks.All(st => st.Labels is null), Is.True);
            Assert.That(prepared.Stacks.SelectMany(st => st.Image).Max(), Is.LessThanOrEqualTo(n.Apply(n.High) + 1e-4));
        });
    }

    [Test]
    public void CropWarning_NamesEachThighLargerThanTheFrame_AndIsNullWhenBothFit()
    {
        var s = PhantomFixtures.NoisySubjects[0];
        var measured = new Preprocessor().Measure(s.Image, s.SubjectId);
        double sp = s.Image.Spacing.X;
        // A frame that holds both thighs at native spacing, and one 16 px smaller than the wider half-thigh.
        int fits = ((int)Math.Ceiling(measured.ExtentMm / sp / 16) + 1) * 16;
        int small = ((int)Math.Floor(measured.ExtentMm / sp / 16) - 1) * 16;
        var ok = new Preprocessor(new PreprocessingOptions { TargetSpacingMm = sp, TargetSize = fits }).Prepare(s.Image, s.Labels, s.SubjectId);
        var cropped = new Preprocessor(new PreprocessingOptions { TargetSpacingMm = sp, TargetSize = small }).Prepare(s.Image, s.Labels, s.SubjectId);
        Assert.Multiple(() =>
        {
            Assert.That(ok.Geometry.Any(g => g.IsCropped), Is.False);
            Assert.That(ok.CropWarning, Is.Null);
            Assert.That(ok.Geometry.Max(g => g.BodyExtentMm), Is.EqualTo(measured.ExtentMm).Within(1e-9), "the same box as Measure, which the planner uses");
            Assert.That(cropped.Geometry.First(g => g.BodyExtentMm == measured.ExtentMm).IsCropped, Is.True);
            Assert.That(cropped.Geometry[0].FrameMm, Is.EqualTo(small * sp).Within(1e-9));
            Assert.That(cropped.CropWarning, Does.StartWith($"{s.SubjectId}: ").And.Contain((small * sp).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " mm network frame").And.Contain("cropped"));
        });
    }

    [Test]
    public void Prepare_RejectsLabelsWithOtherGeometry()
    {
        var s = PhantomFixtures.NoisySubjects[0];
        var other = new Volume<int>(new VolumeShape(s.Image.Shape.X, s.Image.Shape.Y, s.Image.Shape.Z + 1), s.Image.Affine);
        Assert.That(() => new Preprocessor().Prepare(s.Image, other, s.SubjectId), Throws.ArgumentException.With.Message.Contains(s.SubjectId));
    }

    [Test]
    public void Restore_RejectsWrongStackArrays()
    {
        var s = PhantomFixtures.NoisySubjects[0];
        var prepared = new Preprocessor(new PreprocessingOptions { TargetSize = 32, TargetSpacingMm = 6 }).Prepare(s.Image, null, s.SubjectId);
        Assert.Multiple(() =>
        {
            Assert.That(() => Preprocessor.Restore(prepared, [new int[5]]), Throws.ArgumentException);
            Assert.That(() => Preprocessor.Restore(prepared, [new int[5], new int[5]]), Throws.ArgumentException);
        });
    }

    [Test]
    public void Options_ValidateValuesAndNameTheParameter()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new PreprocessingOptions { TargetSpacingMm = 0 }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("TargetSpacingMm"));
            Assert.That(() => new PreprocessingOptions { TargetSize = 4 }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("TargetSize"));
            Assert.That(() => new PreprocessingOptions { UpperPercentile = 101 }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("UpperPercentile"));
            Assert.That(() => new Preprocessor(new PreprocessingOptions { LowerPercentile = 50, UpperPercentile = 40 }), Throws.ArgumentException.With.Message.Contains("LowerPercentile"));
        });
    }
}
