namespace ThighSeg.Core.Statistics;

/// <summary>How the p-value is computed.</summary>
public enum WilcoxonMethod
{
    /// <summary>Exact when there are at most <see cref="WilcoxonOptions.ExactMaxPairs"/> non-zero differences, no zero difference and no tie; the normal approximation otherwise (the rule of R's <c>wilcox.test</c>).</summary>
    Auto,

    /// <summary>The exact null distribution of the positive rank sum (all 2ⁿ sign patterns equally likely). Valid only without zeros and ties.</summary>
    Exact,

    /// <summary>The normal approximation with tie correction and (optionally) continuity correction.</summary>
    Normal,

    /// <summary>No test: every difference is zero, so p is 1 by convention.</summary>
    None,
}
