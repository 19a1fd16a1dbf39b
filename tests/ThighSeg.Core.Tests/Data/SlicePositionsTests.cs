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
}
