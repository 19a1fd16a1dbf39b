using ThighSeg.Core.Randomness;

namespace ThighSeg.Core.Statistics;

/// <summary>
/// Percentile bootstrap confidence interval of the mean paired difference (Efron &amp; Tibshirani 1993, ch. 13): the
/// differences d = x − y are resampled with replacement (same count), the mean of each resample is taken, and the
/// interval is the (1 − level)/2 and (1 + level)/2 quantiles of those means (linear interpolation between order
/// statistics, as NumPy's default <c>percentile</c>). Seeded, so the same inputs and options give the same interval.
/// Pure and thread-safe.
/// </summary>
public static class PairedBootstrap
{
    /// <summary>The bootstrap interval of the mean of <paramref name="x"/> − <paramref name="y"/> over pairs (NaN pairs dropped).</summary>
    /// <param name="x">First sample (e.g. a pretrained method's Dice per subject).</param>
    /// <param name="y">Second sample, paired with <paramref name="x"/> by index.</param>
    /// <param name="options">Resamples, level and seed; defaults when null.</param>
    /// <exception cref="ArgumentException">The samples differ in length.</exception>
    public static BootstrapInterval MeanDifference(IReadOnlyList<double> x, IReadOnlyList<double> y, BootstrapOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"Paired samples need the same length; x has {x.Count}, y has {y.Count}.", nameof(y));
        }
        var o = options ?? BootstrapOptions.Default;
        var d = new List<double>(x.Count);
        for (int i = 0; i < x.Count; i++)
        {
            double v = x[i] - y[i];
            if (!double.IsNaN(v))
            {
                d.Add(v);
            }
        }
        if (d.Count == 0)
        {
            return new BootstrapInterval(0, double.NaN, double.NaN, double.NaN, o.Level, o.Resamples);
        }
        var rng = new Random(Seeds.Derive(o.Seed, Seeds.Bootstrap, 0));
        var means = new double[o.Resamples];
        int n = d.Count;
        for (int b = 0; b < means.Length; b++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += d[rng.Next(n)];
            }
            means[b] = sum / n;
        }
        Array.Sort(means);
        double alpha = (1 - o.Level) / 2;
        return new BootstrapInterval(n, d.Average(), Quantile(means, alpha), Quantile(means, 1 - alpha), o.Level, o.Resamples);
    }

    /// <summary>Quantile q of sorted values, linear interpolation between order statistics.</summary>
    private static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
    }
}
