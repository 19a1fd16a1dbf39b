namespace ThighSeg.Core.Metrics;

/// <summary>One line of a summary: one metric of one label (or of all labels), aggregated over subjects.</summary>
/// <param name="Label">The label value; null for the overall (all-labels) line.</param>
/// <param name="LabelName">The label name, or <c>all</c> for the overall line.</param>
/// <param name="Metric">Metric column name (e.g. <c>dice</c>).</param>
/// <param name="Statistic">Mean, SD and counts over subjects.</param>
public sealed record MetricSummary(int? Label, string LabelName, string Metric, MetricStatistic Statistic);
