namespace ThighSeg.Core.Preprocessing;

/// <summary>Intensity normalisation of one volume: clip to [Low, High], then (v - Mean) / Std.</summary>
/// <param name="Low">Lower clipping value (the lower percentile).</param>
/// <param name="High">Upper clipping value (the upper percentile).</param>
/// <param name="Mean">Mean of the clipped volume.</param>
/// <param name="Std">Standard deviation of the clipped volume (1 when it is 0).</param>
public sealed record IntensityNormalization(double Low, double High, double Mean, double Std)
{
    /// <summary>The normalised value of <paramref name="v"/>.</summary>
    public float Apply(double v) => (float)((Math.Clamp(v, Low, High) - Mean) / Std);

    /// <summary>The normalised value of the background (the lower clipping value).</summary>
    public float Background => Apply(Low);
}
