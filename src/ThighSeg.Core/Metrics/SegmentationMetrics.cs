namespace ThighSeg.Core.Metrics;

/// <summary>The standard metrics, as shared stateless instances.</summary>
public static class SegmentationMetrics
{
    /// <summary>Dice similarity coefficient (<c>dice</c>).</summary>
    public static IMetric Dice { get; } = new DiceMetric();

    /// <summary>95th-percentile Hausdorff distance in mm (<c>hd95_mm</c>).</summary>
    public static IMetric Hd95 { get; } = new HausdorffDistanceMetric(95);

    /// <summary>Average symmetric surface distance in mm (<c>assd_mm</c>).</summary>
    public static IMetric Assd { get; } = new AverageSymmetricSurfaceDistanceMetric();

    /// <summary>Relative volume difference (<c>rvd</c>).</summary>
    public static IMetric Rvd { get; } = new RelativeVolumeDifferenceMetric();

    /// <summary>Reference volume in mL (<c>volume_ml_ref</c>).</summary>
    public static IMetric ReferenceVolumeMl { get; } = new VolumeMetric(MaskSource.Reference);

    /// <summary>Predicted volume in mL (<c>volume_ml_pred</c>).</summary>
    public static IMetric PredictedVolumeMl { get; } = new VolumeMetric(MaskSource.Prediction);

    /// <summary>The standard metrics in column order: dice, hd95_mm, assd_mm, rvd, volume_ml_ref, volume_ml_pred.</summary>
    public static IReadOnlyList<IMetric> Standard { get; } = [Dice, Hd95, Assd, Rvd, ReferenceVolumeMl, PredictedVolumeMl];
}
