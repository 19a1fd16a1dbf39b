using ThighSeg.Core.Data;

namespace ThighSeg.Core.Tests.Data;

public class LabelCoverageTests
{
    private static readonly LabelMap Muscles = LabelMap.FromNames(new Dictionary<int, string> { [1] = "vastus_lateralis", [8] = "adductor_longus", [9] = "adductor_brevis" });

    private static SliceStack Stack(string id, params int[] labels) => new(id, "left", labels.Length, 1, 1, new float[labels.Length], labels);

    [Test]
    public void Unseen_ListsTheForegroundLabelsNoTrainingVoxelCarries_Ascending()
    {
        Assert.That(LabelCoverage.Unseen(Muscles, [Stack("sub-1", 0, 1, 1)]), Is.EqualTo(new[] { 8, 9 }));
        Assert.That(LabelCoverage.Unseen(Muscles, [Stack("sub-1", 0, 1), Stack("sub-2", 9, 0)]), Is.EqualTo(new[] { 8 }), "any stack counts");
        Assert.That(LabelCoverage.Unseen(Muscles, [Stack("sub-1", 9, 8, 1)]), Is.Empty);
        Assert.That(LabelCoverage.Unseen(Muscles, [Stack("sub-1", 0, 0)]), Is.EqualTo(new[] { 1, 8, 9 }), "background is never reported");
        var unlabelled = new SliceStack("sub-3", "left", 2, 1, 1, new float[2], null);
        Assert.That(LabelCoverage.Unseen(Muscles, [unlabelled]), Is.EqualTo(new[] { 1, 8, 9 }));
    }

    [Test]
    public void Warning_NamesTheLabelsAndTheScans_OrIsNullWhenEveryLabelWasSeen()
    {
        Assert.That(LabelCoverage.Warning(Muscles, [], ["sub-1"]), Is.Null);
        Assert.That(LabelCoverage.Warning(Muscles, [8, 9], ["sub-010"]), Is.EqualTo(
            "labels adductor_longus (8), adductor_brevis (9) occur in no slice of the training scan (sub-010): the model cannot learn them "
            + "and will not predict them (Dice 0 wherever present). Label a scan that covers that part of the thigh."));
        Assert.That(LabelCoverage.Warning(Muscles, [9], ["sub-1", "sub-2"]), Does.StartWith("label adductor_brevis (9) occurs in no slice of any of the 2 training scans: the model cannot learn it and will not predict it"));
    }
}
