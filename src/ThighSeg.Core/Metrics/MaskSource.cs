namespace ThighSeg.Core.Metrics;

/// <summary>Which mask a <see cref="VolumeMetric"/> measures.</summary>
public enum MaskSource
{
    /// <summary>The reference (ground-truth) mask.</summary>
    Reference,

    /// <summary>The predicted mask.</summary>
    Prediction,
}
