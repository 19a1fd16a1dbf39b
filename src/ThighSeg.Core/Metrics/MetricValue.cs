namespace ThighSeg.Core.Metrics;

/// <summary>A named metric value.</summary>
/// <param name="Name">Column name (e.g. <c>hd95_mm</c>).</param>
/// <param name="Value">The value; NaN when undefined.</param>
public readonly record struct MetricValue(string Name, double Value);
