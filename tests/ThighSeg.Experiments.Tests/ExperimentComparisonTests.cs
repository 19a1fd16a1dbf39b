using ThighSeg.Core.Metrics;
using ThighSeg.Core.Statistics;

namespace ThighSeg.Experiments.Tests;

public class ExperimentComparisonTests
{
    private static RunResult Run(InitMethod m, int repeat, params double[] dice) => new(
        new RunKey(m, 1, repeat), ["t"], [], 1,
        [.. dice.Select((d, i) => new SubjectMetrics($"s{i}", 1, "L1", LabelPresence.Both, d, 1, 1, 0, 1, 1))],
        0, "", false);

    [Test]
    public void Compare_ReportsTheBootstrapIntervalOfTheMeanPairedDifference_OverSubjectsAveragedOverRepeats()
    {
        var runs = new[]
        {
            Run(InitMethod.Rnd, 0, 0.70, 0.72, 0.75, 0.71, 0.69, 0.74),
            Run(InitMethod.Rnd, 1, 0.72, 0.70, 0.73, 0.71, 0.71, 0.72),
            Run(InitMethod.Pcl, 0, 0.78, 0.75, 0.80, 0.73, 0.77, 0.79),
            Run(InitMethod.Pcl, 1, 0.76, 0.77, 0.78, 0.75, 0.75, 0.77),
        };
        var c = LabelEfficiencyExperiment.Compare(runs, [InitMethod.Rnd, InitMethod.Pcl]).Single();
        double[] pcl = [0.77, 0.76, 0.79, 0.74, 0.76, 0.78], rnd = [0.71, 0.71, 0.74, 0.71, 0.70, 0.73];
        var expected = PairedBootstrap.MeanDifference(pcl, rnd);
        Assert.That(c.DifferenceInterval.Mean, Is.EqualTo(c.MeanDice - c.MeanDiceRandom).Within(1e-12));
        Assert.That(c.DifferenceInterval.Lower, Is.EqualTo(expected.Lower).Within(1e-12));
        Assert.That(c.DifferenceInterval.Upper, Is.EqualTo(expected.Upper).Within(1e-12));
        Assert.That(c.DifferenceInterval.Lower, Is.GreaterThan(0), "PCL is ahead on every subject");
        Assert.That(ExperimentReport.ComparisonsCsv([c]), Does.StartWith("method,size,subjects,mean_dice,mean_dice_rnd,p_value,diff_ci95_low,diff_ci95_high\n"));
    }

    [TestCase(0.0152, "+0.015")]
    [TestCase(-0.0084, "-0.008")]
    [TestCase(-0.00017, "+0.000")]
    [TestCase(0.0004, "+0.000")]
    [TestCase(-0.0005, "-0.001")]
    [TestCase(double.NaN, "NaN")]
    public void SignedDifference_HasOneSign_EvenWhenANegativeValueRoundsToZero(double value, string expected) =>
        Assert.That(ExperimentReport.SignedDifference(value), Is.EqualTo(expected));
}
