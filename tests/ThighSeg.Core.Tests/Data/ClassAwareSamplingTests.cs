using ThighSeg.Core.Data;

namespace ThighSeg.Core.Tests.Data;

public class ClassAwareSamplingTests
{
    /// <summary>One 2x2 stack of <paramref name="depth"/> slices: label 1 on every slice, label 2 (rare) only on slice 0.</summary>
    private static SliceStack RareStack(string id, int depth)
    {
        var labels = new int[4 * depth];
        for (int k = 0; k < depth; k++)
        {
            labels[4 * k] = 1;
        }
        labels[1] = 2;
        return new SliceStack(id, "left", 2, 2, depth, new float[4 * depth], labels);
    }

    private static int RareShare(PositionalSliceSampler s, int epochs)
    {
        int rare = 0;
        for (int e = 0; e < epochs; e++)
        {
            foreach (var batch in s.Batches(e, batchSize: 10, stepsPerEpoch: 20))
            {
                rare += batch.Count(sl => sl.Index == 0);
            }
        }
        return rare;
    }

    [Test]
    public void ClassAwareSampling_OversamplesSlicesWithARareLabel()
    {
        var stacks = new[] { RareStack("a", 20), RareStack("b", 20) };
        var plain = PositionalSliceSampler.ForStacks(stacks, 3, requireLabels: true);
        var aware = PositionalSliceSampler.ForStacks(stacks, 3, classAwareFraction: 0.4);
        Assert.That(aware.ForegroundClasses, Is.EqualTo(new[] { 1, 2 }));
        // 2 of 40 slices hold label 2: 1/20 of plain draws; class-aware draws pick label 2 half of the time for 4 of 10
        // places, so about 0.6/20 + 0.4·(0.5 + 0.5/20) = 0.24 of all draws (out of 4 epochs x 200 draws).
        int p = RareShare(plain, 4), a = RareShare(aware, 4);
        Assert.That(p, Is.EqualTo(40));
        Assert.That(a, Is.InRange(150, 240));
    }

    [Test]
    public void ClassAwareSampling_IsDeterministicPerSeed_AndZeroLeavesTheBatchesUnchanged()
    {
        var stacks = new[] { RareStack("a", 7), RareStack("b", 9) };
        static string[] Ids(PositionalSliceSampler s, int e) => [.. s.Batches(e, 4, 6).SelectMany(b => b).Select(x => $"{x.SubjectId}{x.Index}")];
        var plain = PositionalSliceSampler.ForStacks(stacks, 11, requireLabels: true);
        var zero = PositionalSliceSampler.ForStacks(stacks, 11, classAwareFraction: 0);
        var a1 = PositionalSliceSampler.ForStacks(stacks, 11, classAwareFraction: 0.5);
        var a2 = PositionalSliceSampler.ForStacks(stacks, 11, classAwareFraction: 0.5);
        var other = PositionalSliceSampler.ForStacks(stacks, 12, classAwareFraction: 0.5);
        Assert.That(Ids(zero, 2), Is.EqualTo(Ids(plain, 2)));
        Assert.That(Ids(a1, 2), Is.EqualTo(Ids(a2, 2)));
        Assert.That(Ids(a1, 2), Is.Not.EqualTo(Ids(other, 2)));
        Assert.That(Ids(a1, 2), Is.Not.EqualTo(Ids(a1, 3)));
        // The regular half of each batch still follows the plain shuffle.
        var regular = a1.Batches(2, 4, 6).SelectMany(b => b.Take(2)).Select(x => $"{x.SubjectId}{x.Index}").ToArray();
        Assert.That(regular, Is.EqualTo(Ids(plain, 2).Take(12).ToArray()));
    }

    [Test]
    public void ClassAwareSampling_RejectsBadFractionsAndUnlabelledStacks()
    {
        var stacks = new[] { RareStack("a", 3) };
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => PositionalSliceSampler.ForStacks(stacks, 1, classAwareFraction: 1.5));
        Assert.That(ex!.ParamName, Is.EqualTo("classAwareFraction"));
        Assert.That(ex.Message, Does.Contain("1.5"));
        var unlabelled = new SliceStack("u", "left", 2, 2, 3, new float[12], null);
        Assert.Throws<DatasetException>(() => PositionalSliceSampler.ForStacks([unlabelled], 1, classAwareFraction: 0.3));
    }
}
