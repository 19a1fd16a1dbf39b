namespace ThighSeg.Core.Statistics;

/// <summary>A percentile bootstrap confidence interval of a mean paired difference.</summary>
/// <param name="Pairs">Pairs used (pairs with a NaN in either sample are dropped).</param>
/// <param name="Mean">The observed mean of the differences x − y; NaN when no pair is defined.</param>
/// <param name="Lower">Lower bound of the interval; NaN when no pair is defined.</param>
/// <param name="Upper">Upper bound of the interval; NaN when no pair is defined.</param>
/// <param name="Level">Coverage of the interval (e.g. 0.95).</param>
/// <param name="Resamples">Number of bootstrap resamples drawn.</param>
public sealed record BootstrapInterval(int Pairs, double Mean, double Lower, double Upper, double Level, int Resamples);
