using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;

namespace ThighSeg.Core.Tests.Data;

public sealed class SlicePositionsTests
{
    private static SliceStack Stack(string id, int depth, double[]? z) => new(id, "right", 2, 2, depth, new float[4 * depth], null, z);

    [Test]
    public void SliceIndex_KeepsEachSlicesPlaceInItsOwnScan()
    {
        var stacks = new[] { Stack("a", 4, [0, 10, 20, 30]), Stack("b", 2, null) };
        var assigned = SlicePositions.Assign(stacks, PositionSource.SliceIndex);
        Assert.Multiple(() =>
        {
            Assert.That(assigned, Is.SameAs(stacks));
            Assert.That(Enumerable.Range(0, 4).Select(assigned[0].Position), Is.EqualTo(new[] { 0.25, 0.5, 0.75, 1.0 }));
            Assert.That(assigned[1].Position(0), Is.EqualTo(0.5));
        });
    }

    [Test]
    public void ScannerZ_ScalesEveryStacksZOverTheWholeSet_SoEqualTablePositionsGetEqualPositions()
    {
        // Scan a covers z 100..160 mm, scan b 140..200 mm (different ranges of the same thigh, different slice counts):
        // the slice of a at 140 mm and the slice of b at 140 mm are the same level and must get the same position.
        var a = Stack("a", 4, [100, 120, 140, 160]);
        var b = Stack("b", 3, [140, 170, 200]);
        var assigned = SlicePositions.Assign([a, b], PositionSource.ScannerZ);
        Assert.Multiple(() =>
        {
            Assert.That(Enumerable.Range(0, 4).Select(assigned[0].Position), Is.EqualTo(new[] { 0.0, 0.2, 0.4, 0.6 }).Within(1e-12));
            Assert.That(Enumerable.Range(0, 3).Select(assigned[1].Position), Is.EqualTo(new[] { 0.4, 0.7, 1.0 }).Within(1e-12));
            Assert.That(assigned[0].HasAssignedPositions, Is.True);
            Assert.That(assigned[0].Image, Is.SameAs(a.Image), "the pixels are shared, not copied");
            Assert.That(a.Position(0), Is.EqualTo(0.25), "the input stack is unchanged");
        });
    }

    [Test]
    public void ScannerZ_WithoutAxialCoordinates_SaysWhichSubjectAndWhatToUseInstead()
    {
        var ex = Assert.Throws<DatasetException>(() => SlicePositions.Assign([Stack("a", 2, [0, 5]), Stack("lost", 2, null)], PositionSource.ScannerZ));
        Assert.That(ex!.Message, Does.Contain("'lost'").And.Contain("SliceIndex"));
    }

    [Test]
    public void ScannerZ_AllSlicesAtOneZ_IsRefused()
    {
        var ex = Assert.Throws<DatasetException>(() => SlicePositions.Assign([Stack("a", 2, [7, 7]), Stack("b", 1, [7])], PositionSource.ScannerZ));
        Assert.That(ex!.Message, Does.Contain("z = 7 mm"));
    }

    [Test]
    public void Stack_RefusesAxialCoordinatesAndPositionsThatDoNotFit()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => Stack("a", 3, [0, 1]));
            Assert.Throws<ArgumentException>(() => Stack("a", 2, [0, double.NaN]));
            Assert.Throws<ArgumentException>(() => Stack("a", 2, null).WithPositions([0.5]));
            Assert.Throws<ArgumentException>(() => Stack("a", 2, null).WithPositions([0.5, 1.5]));
        });
    }

    [Test]
    public void Isolated_NamesTheScanWhoseTablePositionsOverlapNoOthers()
    {
        // Three scans in scanner coordinates overlapping in a chain (a-b, b-c), one whose origin was reset to 0.
        var stacks = new[]
        {
            Stack("a", 2, [400, 460]), Stack("b", 2, [450, 520]), Stack("c", 2, [510, 560]),
            Stack("reset", 2, [0, 60]), new SliceStack("reset", "left", 2, 2, 2, new float[8], null, [0, 60]),
        };
        var isolated = SlicePositions.Isolated(stacks);
        Assert.That(isolated, Is.EqualTo(new[] { new IsolatedScan("reset", 0, 60) }), "both thighs of a subject are one scan; chained overlaps are not isolation");
        string? line = SlicePositions.DescribeIsolated(isolated);
        Assert.That(line, Does.StartWith("1 scan(s) share no table position").And.Contain("reset (z 0 to 60 mm)").And.EndWith(SlicePositions.IsolationRemedy));
    }

    [Test]
    public void Isolated_NeedsThreeSubjectsWithCoordinates_AndTouchingRangesOverlap()
    {
        Assert.Multiple(() =>
        {
            Assert.That(SlicePositions.Isolated([Stack("a", 2, [0, 10]), Stack("b", 2, [100, 110])]), Is.Empty, "with two scans neither is the odd one");
            Assert.That(SlicePositions.Isolated([Stack("a", 2, [0, 10]), Stack("b", 2, [100, 110]), Stack("c", 2, null)]), Is.Empty, "stacks without coordinates do not count");
            Assert.That(SlicePositions.Isolated([Stack("a", 2, [0, 10]), Stack("b", 2, [10, 20]), Stack("c", 2, [20, 30])]), Is.Empty);
            Assert.That(SlicePositions.DescribeIsolated([]), Is.Null);
        });
    }

    [Test]
    public void DescribeIsolated_NamesAtMostFive()
    {
        var many = Enumerable.Range(0, 7).Select(i => new IsolatedScan($"s{i}", i * 100, (i * 100) + 10)).ToList();
        string line = SlicePositions.DescribeIsolated(many, "Use index positions.")!;
        Assert.That(line, Does.Contain("s4 (z 400 to 410 mm)").And.Not.Contain("s5 (").And.Contain("and 2 more").And.EndWith("Use index positions."));
    }

    [Test]
    public void IsolationWarning_OnlyWhenPclComparesScannerPositions()
    {
        var stacks = new[] { Stack("a", 2, [400, 460]), Stack("b", 2, [450, 520]), Stack("reset", 2, [0, 60]) };
        var pcl = new PretrainOptions { Positions = PositionSource.ScannerZ };
        Assert.Multiple(() =>
        {
            Assert.That(SlicePositions.IsolationWarning(stacks, pcl), Is.EqualTo(SlicePositions.DescribeIsolated(SlicePositions.Isolated(stacks))).And.Contain("reset (z 0 to 60 mm)"));
            Assert.That(SlicePositions.IsolationWarning(stacks, pcl, "Pass --x."), Does.EndWith("Pass --x."));
            Assert.That(SlicePositions.IsolationWarning(stacks, pcl with { Positions = PositionSource.SliceIndex }), Is.Null);
            Assert.That(SlicePositions.IsolationWarning(stacks, pcl with { Method = ContrastiveMethod.Gcl }), Is.Null);
        });
    }
}
