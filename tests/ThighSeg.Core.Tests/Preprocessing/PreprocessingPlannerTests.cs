using ThighSeg.Core.Preprocessing;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Preprocessing;

public class PreprocessingPlannerTests
{
    private static DataFingerprint Cohort(double spacing, double extent, int subjects = 5) => DataFingerprint.From(
        Enumerable.Range(0, subjects).Select(i => new SubjectGeometry($"s{i}", spacing, spacing, 5.7, 24 + (4 * i), extent - (5 * i), (extent - (5 * i)) * 0.8)));

    [Test]
    public void Fingerprint_TakesMedianSpacing_AndLargestAndMedianExtents()
    {
        var f = DataFingerprint.From([
            new SubjectGeometry("a", 1.0, 1.2, 5, 20, 150, 120),
            new SubjectGeometry("b", 1.5, 1.5, 5, 30, 160, 170),
            new SubjectGeometry("c", 2.0, 2.0, 5, 40, 140, 100)]);
        Assert.That(f.MedianSpacingMm, Is.EqualTo(1.5));
        Assert.That(f.MaxExtentMm, Is.EqualTo(170));
        Assert.That(f.MedianExtentMm, Is.EqualTo(150));
        Assert.That(f.MedianSlices, Is.EqualTo(30));
        Assert.Throws<ArgumentException>(() => DataFingerprint.From([]));
    }

    [Test]
    public void Plan_UsesNativeSpacing_AndTheSmallestFrameThatHoldsTheLargestThigh()
    {
        // 1.55 mm, largest half-thigh 150 mm: 165 mm with the margin = 106.5 px -> 112 px; 112 px gets F = 16.
        var plan = PreprocessingPlanner.Plan(Cohort(1.55, 150));
        Assert.Multiple(() =>
        {
            Assert.That(plan.TargetSpacingMm, Is.EqualTo(1.55));
            Assert.That(plan.TargetSize, Is.EqualTo(112));
            Assert.That(plan.BaseFilters, Is.EqualTo(16));
            Assert.That(plan.Crops, Is.False);
            Assert.That(plan.Warnings, Is.Empty);
            Assert.That(plan.Overridden, Is.Empty);
        });
    }

    [Test]
    public void Plan_CoarsensTheSpacing_WhenTheNativeFrameExceedsTheBudget()
    {
        // 0.8 mm and 200 mm: 275 px needed, budget 160 px -> 160 px at 220/160 = 1.375 mm; F = 8 at 160 px.
        var plan = PreprocessingPlanner.Plan(Cohort(0.8, 200));
        Assert.That(plan.TargetSize, Is.EqualTo(160));
        Assert.That(plan.TargetSpacingMm, Is.EqualTo(1.375).Within(1e-9));
        Assert.That(plan.BaseFilters, Is.EqualTo(8));
        Assert.That(plan.FrameMm, Is.GreaterThanOrEqualTo(200 * 1.1 - 1e-9));
        Assert.That(plan.Crops, Is.False);
        var bigger = PreprocessingPlanner.Plan(Cohort(0.8, 200), new PlanningBudget { MaxSize = 288, MaxComputePerSlice = 288.0 * 288 * 12 * 12 });
        Assert.That((bigger.TargetSize, bigger.TargetSpacingMm, bigger.BaseFilters), Is.EqualTo((288, 0.8, 12)));
    }

    [Test]
    public void Plan_ExplicitValuesOverrideFieldByField()
    {
        var f = Cohort(1.55, 150);
        var spacingOnly = PreprocessingPlanner.Plan(f, spacingMm: 3);
        Assert.That((spacingOnly.TargetSpacingMm, spacingOnly.TargetSize), Is.EqualTo((3.0, 64)));
        Assert.That(spacingOnly.Overridden, Is.EqualTo(new[] { "spacing" }));
        var filtersOnly = PreprocessingPlanner.Plan(f, filters: 8);
        Assert.That((filtersOnly.TargetSpacingMm, filtersOnly.TargetSize, filtersOnly.BaseFilters), Is.EqualTo((1.55, 112, 8)));
        // A fixed size too small for native spacing enlarges the field of view through the spacing, never crops.
        var sizeOnly = PreprocessingPlanner.Plan(f, size: 64);
        Assert.That(sizeOnly.TargetSize, Is.EqualTo(64));
        Assert.That(sizeOnly.TargetSpacingMm, Is.EqualTo(165.0 / 64).Within(1e-3));
        Assert.That(sizeOnly.Crops, Is.False);
        Assert.That(sizeOnly.Warnings, Is.Empty);
        Assert.Throws<ArgumentOutOfRangeException>(() => PreprocessingPlanner.Plan(f, size: 100));
    }

    [Test]
    public void Plan_WarnsAndRecords_WhenFixedValuesCropTheLargestThigh()
    {
        var plan = PreprocessingPlanner.Plan(Cohort(1.55, 150), spacingMm: 1.0, size: 96);
        Assert.That(plan.Crops, Is.True);
        Assert.That(plan.Warnings, Has.Count.EqualTo(1));
        Assert.That(plan.Warnings[0], Does.Contain("96 px").And.Contain("150 mm").And.Contain("cropped"));
        Assert.That(plan.ToJson()["crops"]!.GetValue<bool>(), Is.True);
        // Spacing fixed and the budget too small: the size is capped and the crop is reported, not hidden.
        var capped = PreprocessingPlanner.Plan(Cohort(1.55, 150), new PlanningBudget { MaxSize = 64 }, spacingMm: 1.0);
        Assert.That(capped.TargetSize, Is.EqualTo(64));
        Assert.That(capped.Crops, Is.True);
        Assert.That(capped.Warnings, Is.Not.Empty);
    }

    [Test]
    public void Measure_FindsThePartExtentInMillimetres()
    {
        // A 60 x 40 mm body block at 0.5 mm spacing, whole slice (no split).
        var affine = Affine.FromSpacing(0.5, 0.5, 4);
        var image = new Volume<float>(new VolumeShape(200, 160, 3), affine);
        for (int k = 0; k < 3; k++)
        {
            for (int y = 40; y < 120; y++)
            {
                for (int x = 30; x < 150; x++)
                {
                    image[x, y, k] = 100;
                }
            }
        }
        var g = new Preprocessor(new PreprocessingOptions { SplitThighs = false }).Measure(image, "block");
        Assert.That(g.ExtentWidthMm, Is.EqualTo(60).Within(1e-9));
        Assert.That(g.ExtentHeightMm, Is.EqualTo(40).Within(1e-9));
        Assert.That((g.SpacingXMm, g.SpacingZMm, g.Slices), Is.EqualTo((0.5, 4.0, 3)));
    }
}
