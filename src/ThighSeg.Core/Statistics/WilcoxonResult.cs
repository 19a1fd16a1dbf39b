namespace ThighSeg.Core.Statistics;

/// <summary>The outcome of a two-sided paired Wilcoxon signed-rank test of differences <c>x − y</c>.</summary>
/// <param name="Pairs">Pairs used (pairs with a NaN in either sample are dropped first).</param>
/// <param name="DroppedNaN">Pairs dropped because x or y was NaN.</param>
/// <param name="Zeros">Pairs with a zero difference.</param>
/// <param name="RankSumPositive">W⁺: sum of the (mid)ranks of positive differences.</param>
/// <param name="RankSumNegative">W⁻: sum of the (mid)ranks of negative differences.</param>
/// <param name="Z">The normal-approximation z score (negative or 0, from the smaller rank sum); NaN for the exact method.</param>
/// <param name="PValue">Two-sided p-value in [0, 1].</param>
/// <param name="Method">The method that produced the p-value.</param>
public sealed record WilcoxonResult(int Pairs, int DroppedNaN, int Zeros, double RankSumPositive, double RankSumNegative, double Z, double PValue, WilcoxonMethod Method)
{
    /// <summary>The test statistic T = min(W⁺, W⁻), as reported by SciPy for the two-sided test.</summary>
    public double Statistic => Math.Min(RankSumPositive, RankSumNegative);
}
