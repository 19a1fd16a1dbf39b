using ThighSeg.Core.Metrics;
using ThighSeg.Core.Statistics;

namespace ThighSeg.Core.Tests.Statistics;

public class MethodComparisonTests
{
    private static SubjectMetrics Row(string subject, int label, double dice) =>
        new(subject, label, $"L{label}", LabelPresence.Both, dice, 1, 1, 0, 1, 1);

    [Test]
    public void Compare_PairsBySubject_AndTestsTheDifferences()
    {
        // A beats B by 0.01..0.05 on five subjects (rows given in different orders): exact p = 2/32.
        var a = new[] { Row("s1", 1, 0.91), Row("s2", 1, 0.92), Row("s3", 1, 0.93), Row("s4", 1, 0.94), Row("s5", 1, 0.95) };
        var b = new[] { Row("s5", 1, 0.90), Row("s4", 1, 0.90), Row("s3", 1, 0.90), Row("s2", 1, 0.90), Row("s1", 1, 0.90) };
        var c = MethodComparison.Compare(a, b, "dice", label: 1);
        Assert.That(c.Subjects, Is.EqualTo(new[] { "s1", "s2", "s3", "s4", "s5" }));
        Assert.That(c.MeanDifference, Is.EqualTo(0.03).Within(1e-12));
        Assert.That(c.Test.PValue, Is.EqualTo(0.0625).Within(1e-15));
    }

    [Test]
    public void Compare_UsesPerSubjectMeanOverLabels_WhenNoLabelIsGiven()
    {
        var a = new[] { Row("s1", 1, 0.8), Row("s1", 2, 1.0), Row("s2", 1, 0.5), Row("s2", 2, double.NaN) };
        var b = new[] { Row("s1", 1, 0.7), Row("s1", 2, 0.7), Row("s2", 1, 0.6), Row("s2", 2, 0.6) };
        var c = MethodComparison.Compare(a, b, "dice");
        Assert.That(c.A, Is.EqualTo(new[] { 0.9, 0.5 }).Within(1e-12));
        Assert.That(c.B, Is.EqualTo(new[] { 0.7, 0.6 }).Within(1e-12));
    }

    [Test]
    public void Compare_Throws_WhenSubjectsDiffer_OrMetricIsUnknown()
    {
        var a = new[] { Row("s1", 1, 0.8), Row("s2", 1, 0.8) };
        var b = new[] { Row("s1", 1, 0.7), Row("s3", 1, 0.7) };
        var ex = Assert.Throws<ArgumentException>(() => MethodComparison.Compare(a, b, "dice", 1));
        Assert.That(ex!.Message, Does.Contain("s2").And.Contain("s3"));
        Assert.Throws<ArgumentException>(() => MethodComparison.Compare(a, a, "jaccard", 1));
    }
}
