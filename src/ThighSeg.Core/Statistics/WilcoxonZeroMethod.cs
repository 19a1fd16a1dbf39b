namespace ThighSeg.Core.Statistics;

/// <summary>How zero differences (x = y) enter the Wilcoxon signed-rank test.</summary>
public enum WilcoxonZeroMethod
{
    /// <summary>Wilcoxon's convention (the default, as SciPy's <c>zero_method="wilcox"</c>): drop zero differences, then rank the rest.</summary>
    Wilcox,

    /// <summary>Pratt's convention (SciPy's <c>"pratt"</c>): rank all absolute differences including zeros, then drop the zeros' ranks; the normal approximation is adjusted (Cureton 1967).</summary>
    Pratt,
}
