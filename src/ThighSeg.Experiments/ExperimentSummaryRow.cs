using ThighSeg.Core.Metrics;

namespace ThighSeg.Experiments;

/// <summary>Mean and SD over test subjects (pooled over repeats) of one metric for one method and size.</summary>
/// <param name="Method">The initialisation.</param>
/// <param name="Size">Labelled-set size.</param>
/// <param name="Label">Label value, or null for each subject's mean over labels.</param>
/// <param name="LabelName">Label name, or <c>all</c>.</param>
/// <param name="Metric">dice, hd95_mm or assd_mm.</param>
/// <param name="Statistic">Mean, SD and counts.</param>
public sealed record ExperimentSummaryRow(InitMethod Method, int Size, int? Label, string LabelName, string Metric, MetricStatistic Statistic);
