using ThighSeg.Core.Statistics;

namespace ThighSeg.Core.Tests.Statistics;

public class PairedBootstrapTests
{
    private static (double[] X, double[] Y) Sample(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = 0.8 + (0.05 * rng.NextDouble());
            x[i] = y[i] + 0.02 + (0.04 * (rng.NextDouble() - 0.5));
        }
        return (x, y);
    }

    [Test]
    public void MeanDifference_ConstantDifferences_GiveADegenerateInterval()
    {
        var r = PairedBootstrap.MeanDifference([0.9, 0.8, 0.7], [0.85, 0.75, 0.65]);
        Assert.That(r.Mean, Is.EqualTo(0.05).Within(1e-12));
        Assert.That(r.Lower, Is.EqualTo(0.05).Within(1e-12));
        Assert.That(r.Upper, Is.EqualTo(0.05).Within(1e-12));
        Assert.That(r.Pairs, Is.EqualTo(3));
    }

    [Test]
    public void MeanDifference_MatchesTheNormalIntervalOfTheMean_ForALargeSample()
    {
        // For n = 200 the percentile bootstrap of a mean is close to mean ± z·s/√n (with the plug-in SD).
        var (x, y) = Sample(200, 7);
        var d = x.Zip(y, (a, b) => a - b).ToArray();
        double mean = d.Average();
        double sd = Math.Sqrt(d.Sum(v => (v - mean) * (v - mean)) / d.Length);
        double half = 1.959964 * sd / Math.Sqrt(d.Length);
        var r = PairedBootstrap.MeanDifference(x, y, new BootstrapOptions { Resamples = 20_000, Seed = 3 });
        Assert.That(r.Mean, Is.EqualTo(mean).Within(1e-12));
        Assert.That(r.Lower, Is.EqualTo(mean - half).Within(0.1 * half));
        Assert.That(r.Upper, Is.EqualTo(mean + half).Within(0.1 * half));
        Assert.That(r.Level, Is.EqualTo(0.95));
    }

    [Test]
    public void MeanDifference_IsDeterministicPerSeed_AndNarrowsWithALowerLevel()
    {
        var (x, y) = Sample(12, 1);
        var a = PairedBootstrap.MeanDifference(x, y, new BootstrapOptions { Seed = 5 });
        var b = PairedBootstrap.MeanDifference(x, y, new BootstrapOptions { Seed = 5 });
        var c = PairedBootstrap.MeanDifference(x, y, new BootstrapOptions { Seed = 6 });
        var narrow = PairedBootstrap.MeanDifference(x, y, new BootstrapOptions { Seed = 5, Level = 0.5 });
        Assert.That(b, Is.EqualTo(a));
        Assert.That(c.Lower, Is.Not.EqualTo(a.Lower));
        Assert.That(narrow.Upper - narrow.Lower, Is.LessThan(a.Upper - a.Lower));
        Assert.That(a.Lower, Is.LessThan(a.Mean));
        Assert.That(a.Upper, Is.GreaterThan(a.Mean));
    }

    [Test]
    public void MeanDifference_DropsNaNPairs_AndRejectsUnpairedSamples()
    {
        var r = PairedBootstrap.MeanDifference([0.9, double.NaN, 0.7], [0.8, 0.5, 0.6]);
        Assert.That(r.Pairs, Is.EqualTo(2));
        Assert.That(r.Mean, Is.EqualTo(0.1).Within(1e-12));
        var none = PairedBootstrap.MeanDifference([double.NaN], [0.5]);
        Assert.That(double.IsNaN(none.Lower), Is.True);
        var ex = Assert.Throws<ArgumentException>(() => PairedBootstrap.MeanDifference([0.1, 0.2], [0.1]));
        Assert.That(ex!.ParamName, Is.EqualTo("y"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new BootstrapOptions { Level = 1.0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new BootstrapOptions { Resamples = 10 });
    }
}
