using MathNet.Numerics.Distributions;

namespace ThighSeg.Core.Statistics;

/// <summary>
/// Paired two-sided Wilcoxon signed-rank test, e.g. to compare two segmentation methods over the same test subjects
/// (one value per subject and method, never per voxel). Matches <c>scipy.stats.wilcoxon</c> (two-sided) for the same
/// zero method, correction and method choice; see docs/metrics.md. Thread-safe (no state).
/// </summary>
public static class WilcoxonSignedRankTest
{
    /// <summary>Tests whether the differences <c>x[i] − y[i]</c> are symmetric about zero.</summary>
    /// <param name="x">First method's values, one per subject.</param>
    /// <param name="y">Second method's values for the same subjects, in the same order.</param>
    /// <param name="options">Conventions; <see cref="WilcoxonOptions.Default"/> when null.</param>
    /// <remarks>
    /// Pairs where either value is NaN (e.g. a Dice undefined under the empty-mask policy) are dropped and counted. When
    /// every remaining difference is zero the two methods cannot be told apart: the result has p = 1 and method
    /// <see cref="WilcoxonMethod.None"/>. Absolute differences are ranked with mid-ranks for ties (compared exactly).
    /// </remarks>
    /// <exception cref="ArgumentException">The samples differ in length or no pair is left after dropping NaN.</exception>
    /// <exception cref="InvalidOperationException"><see cref="WilcoxonMethod.Exact"/> was requested for data with zeros or ties.</exception>
    public static WilcoxonResult Test(ReadOnlySpan<double> x, ReadOnlySpan<double> y, WilcoxonOptions? options = null)
    {
        options ??= WilcoxonOptions.Default;
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"The two samples must be paired: x has {x.Length} values, y has {y.Length}.", nameof(y));
        }
        var d = new List<double>(x.Length);
        int droppedNaN = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (double.IsNaN(x[i]) || double.IsNaN(y[i]))
            {
                droppedNaN++;
                continue;
            }
            double diff = x[i] - y[i];
            if (!double.IsFinite(diff))
            {
                throw new ArgumentException($"Pair {i} has an infinite difference ({x[i]} − {y[i]}).", nameof(x));
            }
            d.Add(diff);
        }
        int pairs = d.Count;
        if (pairs == 0)
        {
            throw new ArgumentException($"No pair left to test ({droppedNaN} pairs dropped for NaN).", nameof(x));
        }
        int zeros = d.Count(v => v == 0);
        if (zeros == pairs)
        {
            return new WilcoxonResult(pairs, droppedNaN, zeros, 0, 0, double.NaN, 1.0, WilcoxonMethod.None);
        }

        // Values that are ranked: Wilcox drops zeros first; Pratt ranks them too.
        var ranked = options.ZeroMethod == WilcoxonZeroMethod.Wilcox ? d.Where(v => v != 0).ToArray() : d.ToArray();
        int count = ranked.Length;
        double[] ranks = MidRanks(ranked.Select(Math.Abs).ToArray(), out bool nonZeroTies);
        double wPlus = 0, wMinus = 0;
        for (int i = 0; i < count; i++)
        {
            if (ranked[i] > 0)
            {
                wPlus += ranks[i];
            }
            else if (ranked[i] < 0)
            {
                wMinus += ranks[i];
            }
        }

        int nonZero = pairs - zeros;
        bool exactValid = zeros == 0 && !nonZeroTies;
        var method = options.Method switch
        {
            WilcoxonMethod.Exact when !exactValid => throw new InvalidOperationException(
                $"The exact Wilcoxon distribution needs data without zero differences and ties ({zeros} zeros, ties: {(nonZeroTies ? "yes" : "no")}); use the normal approximation."),
            WilcoxonMethod.Exact => WilcoxonMethod.Exact,
            WilcoxonMethod.Normal => WilcoxonMethod.Normal,
            _ => exactValid && nonZero <= options.ExactMaxPairs ? WilcoxonMethod.Exact : WilcoxonMethod.Normal,
        };

        if (method == WilcoxonMethod.Exact)
        {
            double p = ExactTwoSidedP(count, (int)Math.Round(wPlus));
            return new WilcoxonResult(pairs, droppedNaN, zeros, wPlus, wMinus, double.NaN, p, method);
        }

        double t = Math.Min(wPlus, wMinus);
        double mean = count * (count + 1.0) / 4.0;
        double variance = count * (count + 1.0) * ((2.0 * count) + 1.0);
        var tieRanks = ranks;
        if (options.ZeroMethod == WilcoxonZeroMethod.Pratt)
        {
            double n0 = zeros;
            mean -= n0 * (n0 + 1.0) / 4.0;
            variance -= n0 * (n0 + 1.0) * ((2.0 * n0) + 1.0);
            tieRanks = ranks.Where((_, i) => ranked[i] != 0).ToArray();
        }
        foreach (int tie in TieGroupSizes(tieRanks))
        {
            variance -= 0.5 * tie * ((double)tie * tie - 1.0);
        }
        double se = Math.Sqrt(variance / 24.0);
        if (!(se > 0))
        {
            return new WilcoxonResult(pairs, droppedNaN, zeros, wPlus, wMinus, double.NaN, 1.0, WilcoxonMethod.Normal);
        }
        double correction = options.ContinuityCorrection ? 0.5 * Math.Sign(t - mean) : 0.0;
        double z = (t - mean - correction) / se;
        double pNormal = Math.Min(1.0, 2.0 * Normal.CDF(0.0, 1.0, -Math.Abs(z)));
        return new WilcoxonResult(pairs, droppedNaN, zeros, wPlus, wMinus, z, pNormal, WilcoxonMethod.Normal);
    }

    /// <summary>Two-sided exact p-value: <c>min(1, 2·min(P(W⁺ ≤ w), P(W⁺ ≥ w)))</c> under the null distribution of W⁺ for n untied ranks.</summary>
    internal static double ExactTwoSidedP(int n, int wPlus)
    {
        double[] pmf = ExactDistribution(n);
        double less = 0, greater = 0;
        for (int w = 0; w <= wPlus && w < pmf.Length; w++)
        {
            less += pmf[w];
        }
        for (int w = Math.Max(wPlus, 0); w < pmf.Length; w++)
        {
            greater += pmf[w];
        }
        return Math.Min(1.0, 2.0 * Math.Min(less, greater));
    }

    /// <summary>The null probability mass function of W⁺ = Σ of ranks 1..n with random signs: entry w is P(W⁺ = w), w = 0..n(n+1)/2.</summary>
    internal static double[] ExactDistribution(int n)
    {
        int max = n * (n + 1) / 2;
        // counts[w] = number of subsets of {1..k} with sum w; counts reach C(n, n/2)-ish ≤ 2^n, exact in double up to n ≈ 50
        // and accurate to rounding beyond; normalised by 2^n.
        var counts = new double[max + 1];
        counts[0] = 1;
        for (int k = 1; k <= n; k++)
        {
            int top = k * (k + 1) / 2;
            for (int w = top; w >= k; w--)
            {
                counts[w] += counts[w - k];
            }
        }
        double total = Math.Pow(2, n);
        for (int w = 0; w <= max; w++)
        {
            counts[w] /= total;
        }
        return counts;
    }

    /// <summary>Ranks 1..n of <paramref name="values"/> with ties given their mean rank; reports whether any non-zero value is tied.</summary>
    internal static double[] MidRanks(double[] values, out bool nonZeroTies)
    {
        int n = values.Length;
        var order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        var ranks = new double[n];
        nonZeroTies = false;
        int start = 0;
        while (start < n)
        {
            int end = start;
            while (end + 1 < n && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }
            double rank = ((start + 1) + (end + 1)) / 2.0;
            for (int k = start; k <= end; k++)
            {
                ranks[order[k]] = rank;
            }
            if (end > start && values[order[start]] != 0)
            {
                nonZeroTies = true;
            }
            start = end + 1;
        }
        return ranks;
    }

    private static IEnumerable<int> TieGroupSizes(double[] ranks) =>
        ranks.GroupBy(r => r).Select(g => g.Count()).Where(c => c > 1);
}
