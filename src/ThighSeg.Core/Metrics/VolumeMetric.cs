namespace ThighSeg.Core.Metrics;

/// <summary>The volume of a label in millilitres (voxel count × voxel volume / 1000). Always defined: 0 for an empty mask.</summary>
public sealed class VolumeMetric : IMetric
{
    /// <summary>Creates the metric for one of the two masks (columns <c>volume_ml_ref</c> and <c>volume_ml_pred</c>).</summary>
    public VolumeMetric(MaskSource source)
    {
        if (!Enum.IsDefined(source))
        {
            throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown mask source.");
        }
        Source = source;
    }

    /// <summary>The mask measured.</summary>
    public MaskSource Source { get; }

    /// <inheritdoc />
    public string Name => Source == MaskSource.Reference ? "volume_ml_ref" : "volume_ml_pred";

    /// <inheritdoc />
    public bool RequiresSurfaceDistances => false;

    /// <inheritdoc />
    public double Compute(LabelComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        return Source == MaskSource.Reference ? comparison.ReferenceVolumeMl : comparison.PredictedVolumeMl;
    }
}
