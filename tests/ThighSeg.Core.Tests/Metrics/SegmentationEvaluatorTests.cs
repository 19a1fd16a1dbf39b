using ThighSeg.Core.Metrics;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Metrics;

public class SegmentationEvaluatorTests
{
    private static SubjectMetrics Single(Volume<int> reference, Volume<int> prediction, int label = 1) =>
        new SegmentationEvaluator(new EvaluationOptions { Labels = [label] }).Evaluate("s", reference, prediction).Single();

    [Test]
    public void Dice_IsHalf_WhenHalfOfEqualSizedMasksOverlap()
    {
        var reference = LabelVolumes.Empty(20, 4, 4).Box(1, 0, 9, 1, 1, 1, 1);   // 10 voxels, x 0..9
        var prediction = LabelVolumes.Empty(20, 4, 4).Box(1, 5, 14, 1, 1, 1, 1); // 10 voxels, x 5..14; overlap 5
        Assert.That(Single(reference, prediction).Dice, Is.EqualTo(0.5).Within(1e-15));
    }

    [Test]
    public void Dice_IsTwoThirds_WhenPredictionIsHalfOfReference()
    {
        var reference = LabelVolumes.Empty(8, 8, 8).Box(1, 0, 3, 0, 3, 0, 3);   // 64
        var prediction = LabelVolumes.Empty(8, 8, 8).Box(1, 0, 3, 0, 3, 0, 1);  // 32, inside
        var row = Single(reference, prediction);
        Assert.That(row.Dice, Is.EqualTo(2.0 * 32 / 96).Within(1e-15));
        Assert.That(row.Rvd, Is.EqualTo(-0.5).Within(1e-15));
    }

    [Test]
    public void Metrics_ArePerfect_WhenMasksAreIdentical()
    {
        var reference = LabelVolumes.Empty(10, 9, 8, 0.8, 1.1, 3).Box(3, 2, 6, 1, 7, 2, 5);
        var row = Single(reference, reference.Clone(), label: 3);
        Assert.Multiple(() =>
        {
            Assert.That(row.Dice, Is.EqualTo(1.0));
            Assert.That(row.Hd95Mm, Is.Zero);
            Assert.That(row.AssdMm, Is.Zero);
            Assert.That(row.Rvd, Is.Zero);
            Assert.That(row.Presence, Is.EqualTo(LabelPresence.Both));
        });
    }

    [Test]
    public void SurfaceDistances_OfTwoSingleVoxels_AreTheirAnisotropicCentreDistance()
    {
        var reference = LabelVolumes.Empty(5, 5, 5, 1.5, 2, 3).Box(1, 0, 0, 0, 0, 0, 0);
        var prediction = LabelVolumes.Empty(5, 5, 5, 1.5, 2, 3).Box(1, 2, 2, 1, 1, 0, 0);
        var row = Single(reference, prediction);
        double expected = Math.Sqrt((3.0 * 3.0) + (2.0 * 2.0)); // (2·1.5, 1·2, 0)
        Assert.Multiple(() =>
        {
            Assert.That(row.Dice, Is.Zero);
            Assert.That(row.Hd95Mm, Is.EqualTo(expected).Within(1e-12));
            Assert.That(row.AssdMm, Is.EqualTo(expected).Within(1e-12));
        });
    }

    // Reference: 4×4×4 cube at [2,5]³; prediction: the same cube shifted by one voxel along `axis`.
    // Hand derivation (shift along x, spacing sx, sy, sz): each cube has 56 surface voxels (64 minus the 2×2×2 core).
    // Reference → prediction: the 16 voxels of the trailing face x=2 are sx from the prediction's face x=3; the 4 core
    // voxels of the leading face x=5 lie inside the prediction's core, min(sx, sy, sz) from its surface; the other 36
    // are themselves prediction surface voxels (distance 0). By symmetry prediction → reference is the same multiset.
    // So ASSD = 2·(16·s_axis + 4·min(s)) / 112 and HD95 = s_axis (the 95th percentile of 56 sorted values interpolates
    // between positions 52 and 53, both in the top 16), whenever s_axis ≥ min(s).
    [TestCase(0, 2.0, 1.0, 3.0)]
    [TestCase(0, 3.0, 1.0, 2.0)]
    [TestCase(1, 0.7, 1.25, 4.0)]
    [TestCase(2, 0.9, 0.9, 5.0)]
    [TestCase(2, 1.0, 1.0, 1.0)]
    public void Hd95AndAssd_OfShiftedCubes_MatchHandDerivedValues(int axis, double sx, double sy, double sz)
    {
        var reference = LabelVolumes.Empty(10, 10, 10, sx, sy, sz).Box(1, 2, 5, 2, 5, 2, 5);
        int dx = axis == 0 ? 1 : 0, dy = axis == 1 ? 1 : 0, dz = axis == 2 ? 1 : 0;
        var prediction = LabelVolumes.Empty(10, 10, 10, sx, sy, sz).Box(1, 2 + dx, 5 + dx, 2 + dy, 5 + dy, 2 + dz, 5 + dz);
        double sAxis = new[] { sx, sy, sz }[axis];
        double sMin = Math.Min(sx, Math.Min(sy, sz));

        var row = Single(reference, prediction);

        Assert.Multiple(() =>
        {
            Assert.That(row.Hd95Mm, Is.EqualTo(sAxis).Within(1e-12));
            Assert.That(row.AssdMm, Is.EqualTo(2 * ((16 * sAxis) + (4 * sMin)) / 112).Within(1e-12));
            Assert.That(row.Dice, Is.EqualTo(2.0 * 48 / 128).Within(1e-15));
        });
    }

    [Test]
    public void Hd95_InterpolatesBetweenOrderStatistics()
    {
        // Reference: a 1×1×21 line along z; prediction: its first voxel only. Spacing 1 mm.
        // Reference → prediction distances 0..20 mm (all reference voxels are surface); the 95th percentile is 19 mm
        // (position 0.95·20 = 19). Prediction → reference: 0. HD95 = max(19, 0) = 19; HD100 = 20.
        var reference = LabelVolumes.Empty(3, 3, 21).Box(1, 1, 1, 1, 1, 0, 20);
        var prediction = LabelVolumes.Empty(3, 3, 21).Box(1, 1, 1, 1, 1, 0, 0);
        var options = new EvaluationOptions { Labels = [1], AdditionalMetrics = [new HausdorffDistanceMetric(100), new HausdorffDistanceMetric(50)] };
        var row = new SegmentationEvaluator(options).Evaluate("s", reference, prediction).Single();
        Assert.Multiple(() =>
        {
            Assert.That(row.Hd95Mm, Is.EqualTo(19).Within(1e-12));
            Assert.That(row.Additional.Select(v => v.Name), Is.EqualTo(new[] { "hd_mm", "hd50_mm" }));
            Assert.That(row.Additional[0].Value, Is.EqualTo(20).Within(1e-12));
            Assert.That(row.Additional[1].Value, Is.EqualTo(10).Within(1e-12));
            // ASSD: (0+1+…+20 + 0) / (21 + 1) = 210 / 22
            Assert.That(row.AssdMm, Is.EqualTo(210.0 / 22).Within(1e-12));
        });
    }

    [Test]
    public void Percentile_UsesLinearInterpolation()
    {
        double[] values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Multiple(() =>
        {
            Assert.That(SurfaceDistances.Percentile(values, 95), Is.EqualTo(9.5).Within(1e-12));
            Assert.That(SurfaceDistances.Percentile(values, 0), Is.Zero);
            Assert.That(SurfaceDistances.Percentile(values, 100), Is.EqualTo(10));
            Assert.That(SurfaceDistances.Percentile([4.0], 95), Is.EqualTo(4));
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => SurfaceDistances.Percentile(values, 101));
    }

    [TestCase(1, 1.0, 1.0, 1.0)]
    [TestCase(2, 0.6, 1.7, 3.2)]
    [TestCase(3, 2.0, 0.5, 1.0)]
    [TestCase(4, 1.0, 1.0, 6.0)]
    public void SurfaceDistances_MatchBruteForce_OnRandomMasksTouchingTheBorder(int seed, double sx, double sy, double sz)
    {
        var reference = LabelVolumes.Random(9, 8, 6, (sx, sy, sz), 2, 0.35, seed);
        var prediction = LabelVolumes.Random(9, 8, 6, (sx, sy, sz), 2, 0.35, seed + 100);
        // Overlay a solid block so that some voxels are interior (not surface).
        reference.Box(2, 1, 6, 1, 6, 1, 4);
        prediction.Box(2, 2, 7, 1, 5, 0, 3);
        var sp = (sx, sy, sz);

        var comparison = new SegmentationEvaluator().Compare(reference, prediction).Single();
        var rs = LabelVolumes.BruteSurface(reference, 2);
        var ps = LabelVolumes.BruteSurface(prediction, 2);
        var rToP = LabelVolumes.BruteDirected(rs, ps, sp);
        var pToR = LabelVolumes.BruteDirected(ps, rs, sp);

        Assert.That(comparison.Surfaces, Is.Not.Null);
        var surfaces = comparison.Surfaces!;
        Assert.That(surfaces.ReferenceToPrediction.ToArray(), Is.EqualTo(rToP).Within(1e-9));
        Assert.That(surfaces.PredictionToReference.ToArray(), Is.EqualTo(pToR).Within(1e-9));
        double hd95 = Math.Max(SurfaceDistances.Percentile(rToP, 95), SurfaceDistances.Percentile(pToR, 95));
        double assd = (rToP.Sum() + pToR.Sum()) / (rToP.Length + pToR.Length);
        Assert.That(SegmentationMetrics.Hd95.Compute(comparison), Is.EqualTo(hd95).Within(1e-9));
        Assert.That(SegmentationMetrics.Assd.Compute(comparison), Is.EqualTo(assd).Within(1e-9));
    }

    [Test]
    public void EveryLabelOfAMultiLabelMap_MatchesBruteForce()
    {
        // Three interleaved labels with random voxels, blocks and border contact: each label's padded bounding-box EDT
        // must give the same distances as brute force over the whole image.
        var sp = (0.8, 1.4, 2.5);
        var reference = LabelVolumes.Empty(12, 10, 7, sp.Item1, sp.Item2, sp.Item3);
        var prediction = LabelVolumes.Empty(12, 10, 7, sp.Item1, sp.Item2, sp.Item3);
        var rng = new Random(11);
        for (int i = 0; i < reference.Data.Length; i++)
        {
            reference.Data[i] = rng.NextDouble() < 0.15 ? rng.Next(1, 4) : 0;
            prediction.Data[i] = rng.NextDouble() < 0.15 ? rng.Next(1, 4) : 0;
        }
        reference.Box(1, 0, 4, 0, 4, 0, 3).Box(2, 6, 11, 2, 8, 2, 6).Box(3, 2, 7, 6, 9, 0, 2);
        prediction.Box(1, 1, 5, 0, 3, 0, 4).Box(2, 5, 10, 3, 9, 1, 6).Box(3, 3, 8, 5, 9, 0, 3);

        var comparisons = new SegmentationEvaluator().Compare(reference, prediction);

        Assert.That(comparisons.Select(c => c.Label), Is.EqualTo(new[] { 1, 2, 3 }));
        foreach (var c in comparisons)
        {
            var rs = LabelVolumes.BruteSurface(reference, c.Label);
            var ps = LabelVolumes.BruteSurface(prediction, c.Label);
            Assert.That(c.Surfaces!.ReferenceToPrediction.ToArray(), Is.EqualTo(LabelVolumes.BruteDirected(rs, ps, sp)).Within(1e-9), $"label {c.Label}");
            Assert.That(c.Surfaces!.PredictionToReference.ToArray(), Is.EqualTo(LabelVolumes.BruteDirected(ps, rs, sp)).Within(1e-9), $"label {c.Label}");
            Assert.That(c.ReferenceVoxels, Is.EqualTo(reference.Data.Count(v => v == c.Label)));
            Assert.That(c.PredictedVoxels, Is.EqualTo(prediction.Data.Count(v => v == c.Label)));
            Assert.That(c.OverlapVoxels, Is.EqualTo(reference.Data.Zip(prediction.Data).Count(t => t.First == c.Label && t.Second == c.Label)));
        }
    }

    [Test]
    public void Surface_ExcludesInteriorVoxels_AndIncludesVoxelsOnTheImageBorder()
    {
        // A 3×3×3 cube filling the image: every voxel touches the border except none (the centre has all 6 neighbours
        // inside the mask, so it is interior); a 5×5×5 image with the cube at [1,3]³ gives the same count, 26.
        var full = LabelVolumes.Empty(3, 3, 3).Box(1, 0, 2, 0, 2, 0, 2);
        var inner = LabelVolumes.Empty(5, 5, 5).Box(1, 1, 3, 1, 3, 1, 3);
        var a = new SegmentationEvaluator().Compare(full, full).Single().Surfaces!;
        var b = new SegmentationEvaluator().Compare(inner, inner).Single().Surfaces!;
        Assert.That(a.ReferenceToPrediction.Length, Is.EqualTo(26));
        Assert.That(b.ReferenceToPrediction.Length, Is.EqualTo(26));
    }

    [Test]
    public void Dice_IsNaN_WhenBothMasksEmpty()
    {
        var reference = LabelVolumes.Empty(4, 4, 4).Box(1, 0, 1, 0, 1, 0, 1);
        var row = new SegmentationEvaluator(new EvaluationOptions { Labels = [1, 7] }).Evaluate("s", reference, reference.Clone())[1];
        Assert.Multiple(() =>
        {
            Assert.That(row.Label, Is.EqualTo(7));
            Assert.That(row.Presence, Is.EqualTo(LabelPresence.Neither));
            Assert.That(row.Dice, Is.NaN);
            Assert.That(row.Hd95Mm, Is.NaN);
            Assert.That(row.AssdMm, Is.NaN);
            Assert.That(row.Rvd, Is.NaN);
            Assert.That(row.VolumeMlRef, Is.Zero);
            Assert.That(row.VolumeMlPred, Is.Zero);
        });
    }

    [Test]
    public void EmptyPrediction_GivesDiceZero_RvdMinusOne_AndNaNDistances()
    {
        var reference = LabelVolumes.Empty(4, 4, 4).Box(1, 0, 1, 0, 1, 0, 1);
        var row = Single(reference, LabelVolumes.Empty(4, 4, 4));
        Assert.Multiple(() =>
        {
            Assert.That(row.Presence, Is.EqualTo(LabelPresence.ReferenceOnly));
            Assert.That(row.Dice, Is.Zero);
            Assert.That(row.Rvd, Is.EqualTo(-1));
            Assert.That(row.Hd95Mm, Is.NaN);
            Assert.That(row.AssdMm, Is.NaN);
        });
    }

    [Test]
    public void EmptyReference_GivesDiceZero_AndNaNRvdAndDistances()
    {
        var prediction = LabelVolumes.Empty(4, 4, 4).Box(1, 0, 1, 0, 1, 0, 1);
        var row = Single(LabelVolumes.Empty(4, 4, 4), prediction);
        Assert.Multiple(() =>
        {
            Assert.That(row.Presence, Is.EqualTo(LabelPresence.PredictionOnly));
            Assert.That(row.Dice, Is.Zero);
            Assert.That(row.Rvd, Is.NaN);
            Assert.That(row.Hd95Mm, Is.NaN);
            Assert.That(row.AssdMm, Is.NaN);
            Assert.That(row.VolumeMlPred, Is.EqualTo(8 / 1000.0).Within(1e-15));
        });
    }

    [Test]
    public void Volume_IsVoxelCountTimesVoxelVolumeInMillilitres()
    {
        // 0.5 × 0.5 × 4 mm = 1 mm³ per voxel; 10×10×10 = 1000 voxels = 1 mL. Prediction 10×10×5 = 0.5 mL.
        var reference = LabelVolumes.Empty(12, 12, 12, 0.5, 0.5, 4).Box(5, 0, 9, 0, 9, 0, 9);
        var prediction = LabelVolumes.Empty(12, 12, 12, 0.5, 0.5, 4).Box(5, 0, 9, 0, 9, 0, 4);
        var row = Single(reference, prediction, label: 5);
        Assert.That(row.VolumeMlRef, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(row.VolumeMlPred, Is.EqualTo(0.5).Within(1e-12));
    }

    [Test]
    public void Evaluate_Throws_GeometryMismatch_WhenShapesDiffer()
    {
        var ex = Assert.Throws<GeometryMismatchException>(() =>
            new SegmentationEvaluator().Evaluate("s", LabelVolumes.Empty(4, 4, 4), LabelVolumes.Empty(4, 4, 5)));
        Assert.That(ex!.Message, Does.Contain("4x4x4").And.Contain("4x4x5"));
        Assert.That(ex, Is.InstanceOf<ThighSegException>());
    }

    [Test]
    public void Evaluate_Throws_GeometryMismatch_WhenSpacingsDiffer()
    {
        var ex = Assert.Throws<GeometryMismatchException>(() =>
            new SegmentationEvaluator().Evaluate("s", LabelVolumes.Empty(4, 4, 4, 1, 1, 3), LabelVolumes.Empty(4, 4, 4, 1, 1, 2.5)));
        Assert.That(ex!.Message, Does.Contain("spacing"));
    }

    [Test]
    public void Labels_AreDiscoveredAscending_FromBothVolumes_WhenNotListed()
    {
        var reference = LabelVolumes.Empty(6, 6, 6).Box(7101, 0, 1, 0, 1, 0, 1).Box(3, 3, 4, 3, 4, 3, 4);
        var prediction = LabelVolumes.Empty(6, 6, 6).Box(7101, 0, 1, 0, 1, 0, 1).Box(42, 5, 5, 5, 5, 5, 5);
        var options = new EvaluationOptions { LabelNames = new Dictionary<int, string> { [7101] = "VL_L" } };
        var rows = new SegmentationEvaluator(options).Evaluate("s", reference, prediction);
        Assert.That(rows.Select(r => r.Label), Is.EqualTo(new[] { 3, 42, 7101 }));
        Assert.That(rows.Select(r => r.LabelName), Is.EqualTo(new[] { "3", "42", "VL_L" }));
        Assert.That(rows.Select(r => r.Presence), Is.EqualTo(new[] { LabelPresence.ReferenceOnly, LabelPresence.PredictionOnly, LabelPresence.Both }));
    }

    [Test]
    public void Labels_FollowTheListedOrder_AndIgnoreUnlistedLabels()
    {
        var reference = LabelVolumes.Empty(6, 6, 6).Box(1, 0, 1, 0, 1, 0, 1).Box(2, 3, 4, 3, 4, 3, 4).Box(9, 5, 5, 5, 5, 5, 5);
        var rows = new SegmentationEvaluator(new EvaluationOptions { Labels = [2, 1] }).Evaluate("s", reference, reference.Clone());
        Assert.That(rows.Select(r => r.Label), Is.EqualTo(new[] { 2, 1 }));
        Assert.That(rows.Select(r => r.Dice), Is.All.EqualTo(1.0));
    }

    [Test]
    public void Parallel_Evaluation_GivesTheSameRowsAsSerial()
    {
        var reference = LabelVolumes.Empty(20, 16, 8, 0.8, 0.8, 3);
        var prediction = LabelVolumes.Empty(20, 16, 8, 0.8, 0.8, 3);
        for (int label = 1; label <= 6; label++)
        {
            reference.Box(label, label * 3 - 3, label * 3 - 1, 2, 12, 1, 6);
            prediction.Box(label, label * 3 - 2, label * 3, 3, 13, 1, 5);
        }
        var serial = new SegmentationEvaluator().Evaluate("s", reference, prediction);
        var parallel = new SegmentationEvaluator(new EvaluationOptions { MaxDegreeOfParallelism = 4 }).Evaluate("s", reference, prediction);
        Assert.That(parallel.Select(r => r with { Additional = [] }), Is.EqualTo(serial.Select(r => r with { Additional = [] })));
    }

    [Test]
    public void Compare_SkipsSurfaceDistances_WhenNotRequested()
    {
        var reference = LabelVolumes.Empty(4, 4, 4).Box(1, 0, 1, 0, 1, 0, 1);
        var c = new SegmentationEvaluator().Compare(reference, reference.Clone(), computeSurfaceDistances: false).Single();
        Assert.That(c.Surfaces, Is.Null);
        Assert.That(SegmentationMetrics.Hd95.Compute(c), Is.NaN);
        Assert.That(SegmentationMetrics.Dice.Compute(c), Is.EqualTo(1));
    }

    [Test]
    public void Options_RejectBackgroundDuplicateLabelsAndCollidingMetricNames()
    {
        Assert.Throws<ArgumentException>(() => _ = new EvaluationOptions { Labels = [1, 0] });
        Assert.Throws<ArgumentException>(() => _ = new EvaluationOptions { Labels = [1, 1] });
        Assert.Throws<ArgumentException>(() => _ = new EvaluationOptions { AdditionalMetrics = [new DiceMetric()] });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new EvaluationOptions { MaxDegreeOfParallelism = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new EvaluationOptions { GeometryTolerance = double.NaN });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new HausdorffDistanceMetric(0));
    }

    [Test]
    public void CustomMetric_ReceivesTheComparison()
    {
        var reference = LabelVolumes.Empty(20, 4, 4).Box(1, 0, 9, 1, 1, 1, 1);
        var prediction = LabelVolumes.Empty(20, 4, 4).Box(1, 5, 14, 1, 1, 1, 1);
        var row = new SegmentationEvaluator(new EvaluationOptions { AdditionalMetrics = [new JaccardMetric()] }).Evaluate("s", reference, prediction).Single();
        Assert.That(row.Additional.Single(), Is.EqualTo(new MetricValue("jaccard", 5.0 / 15)));
    }

    private sealed class JaccardMetric : IMetric
    {
        public string Name => "jaccard";

        public bool RequiresSurfaceDistances => false;

        public double Compute(LabelComparison c)
        {
            long union = c.ReferenceVoxels + c.PredictedVoxels - c.OverlapVoxels;
            return union == 0 ? double.NaN : (double)c.OverlapVoxels / union;
        }
    }
}
