namespace ThighSeg.Core.Statistics;

/// <summary>A paired comparison of one metric between two methods over the same subjects.</summary>
/// <param name="Metric">Metric column name (e.g. <c>dice</c>).</param>
/// <param name="Label">The label compared, or null for the per-subject mean over labels.</param>
/// <param name="Subjects">Subjects in pairing order (ordinal sort).</param>
/// <param name="A">Method A's value per subject (NaN where undefined).</param>
/// <param name="B">Method B's value per subject.</param>
/// <param name="MeanDifference">Mean of A − B over pairs where both are defined; NaN when none.</param>
/// <param name="Test">The two-sided Wilcoxon signed-rank test of A − B.</param>
public sealed record PairedComparison(string Metric, int? Label, IReadOnlyList<string> Subjects, IReadOnlyList<double> A, IReadOnlyList<double> B, double MeanDifference, WilcoxonResult Test);
