namespace ThighSeg.Core.Metrics;

/// <summary>
/// The metrics of one label of one subject: one row of a metrics table. NaN marks a value that is undefined under the
/// empty-mask policy (see docs/metrics.md).
/// </summary>
/// <param name="Subject">Subject (case) identifier.</param>
/// <param name="Label">Label value.</param>
/// <param name="LabelName">Label name (the value as text when unnamed).</param>
/// <param name="Presence">Which masks contain the label.</param>
/// <param name="Dice">Dice similarity coefficient in [0, 1]; NaN when both masks are empty.</param>
/// <param name="Hd95Mm">95th-percentile Hausdorff distance in mm; NaN when either mask is empty.</param>
/// <param name="AssdMm">Average symmetric surface distance in mm; NaN when either mask is empty.</param>
/// <param name="Rvd">Relative volume difference (pred − ref) / ref; NaN when the reference is empty.</param>
/// <param name="VolumeMlRef">Reference volume in mL.</param>
/// <param name="VolumeMlPred">Predicted volume in mL.</param>
public sealed record SubjectMetrics(
    string Subject,
    int Label,
    string LabelName,
    LabelPresence Presence,
    double Dice,
    double Hd95Mm,
    double AssdMm,
    double Rvd,
    double VolumeMlRef,
    double VolumeMlPred)
{
    /// <summary>Values of <see cref="EvaluationOptions.AdditionalMetrics"/>, in that order; empty by default.</summary>
    public IReadOnlyList<MetricValue> Additional { get; init; } = [];

    /// <summary>All metric values in column order: the standard six (dice, hd95_mm, assd_mm, rvd, volume_ml_ref, volume_ml_pred), then <see cref="Additional"/>.</summary>
    public IEnumerable<MetricValue> Values()
    {
        yield return new("dice", Dice);
        yield return new("hd95_mm", Hd95Mm);
        yield return new("assd_mm", AssdMm);
        yield return new("rvd", Rvd);
        yield return new("volume_ml_ref", VolumeMlRef);
        yield return new("volume_ml_pred", VolumeMlPred);
        foreach (var extra in Additional)
        {
            yield return extra;
        }
    }
}
