namespace ThighSeg.Core.Metrics;

/// <summary>
/// A per-subject, per-label segmentation metric computed from a <see cref="LabelComparison"/>. Implement it to add a
/// metric (Jaccard, precision, a different Hausdorff percentile) to <see cref="EvaluationOptions.AdditionalMetrics"/>.
/// </summary>
/// <remarks>
/// Implementations must be stateless and thread-safe, and must return <see cref="double.NaN"/> (never throw) when the
/// metric is undefined for the comparison (see the empty-mask policy in docs/metrics.md); NaN values are excluded from
/// means and counted separately by <see cref="MetricAggregation"/>.
/// </remarks>
public interface IMetric
{
    /// <summary>The column name used in tables and CSV files, lower-case with its unit as a suffix (e.g. <c>hd95_mm</c>).</summary>
    string Name { get; }

    /// <summary>True when <see cref="Compute"/> reads <see cref="LabelComparison.Surfaces"/>, so the evaluator must compute surface distances.</summary>
    bool RequiresSurfaceDistances { get; }

    /// <summary>The metric's value for one label of one subject, or NaN when it is undefined.</summary>
    double Compute(LabelComparison comparison);
}
