namespace ThighSeg.Core.Abstractions;

/// <summary>
/// Random in-plane augmentation of training slices (the reference recipe, except flips): optional independent
/// left-right and up-down flips (off by default, see <see cref="FlipProbability"/>); with probability
/// <see cref="SpatialProbability"/> a spatial transform (rotation, isotropic scaling, elastic deformation), otherwise
/// a random crop (zoom into a random window, resampled back to the slice size). Intensity changes are off by default.
/// Images are resampled bilinearly, labels with nearest neighbour, with the same geometric transform. Immutable;
/// validated at construction.
/// </summary>
public sealed record AugmentationOptions
{
    /// <summary>Creates the options; every argument is validated.</summary>
    /// <param name="flipProbability">Probability of a flip, drawn separately for each in-plane axis, in [0, 1]. Default 0
    /// (the reference uses 0.5): ThighSeg's preprocessing puts every half-thigh in one canonical orientation, and flips
    /// remove the medial/lateral and anterior/posterior cues; on phantoms with one labelled subject, flips cost random
    /// initialisation 0.03 Dice and made PCL pretraining lose a muscle entirely (docs/experiments.md).</param>
    /// <param name="spatialProbability">Probability of the spatial transform (else random crop), in [0, 1]; reference 0.67.</param>
    /// <param name="maxRotationDegrees">Rotation angle drawn uniformly in ±this, degrees, in [0, 180].</param>
    /// <param name="minScale">Smallest isotropic scale factor (reference 0.7).</param>
    /// <param name="maxScale">Largest isotropic scale factor (reference 1.3).</param>
    /// <param name="elasticProbability">Probability of elastic deformation within a spatial transform, in [0, 1].</param>
    /// <param name="elasticMagnitude">Maximum elastic displacement as a fraction of the half-width of the slice, in [0, 0.5].</param>
    /// <param name="elasticGrid">Control points per axis of the smooth random displacement field, in [2, 64].</param>
    /// <param name="minCropFraction">Smallest random-crop window as a fraction of the slice side, in (0, 1]; 1 disables cropping.</param>
    /// <param name="intensityProbability">Probability of a random intensity change, in [0, 1]; 0 (reference) disables it.</param>
    /// <param name="maxIntensityShift">Additive shift drawn in ±this (normalised intensity units).</param>
    /// <param name="maxContrastChange">Multiplicative contrast factor drawn in 1 ± this, in [0, 1).</param>
    /// <param name="noiseStd">Standard deviation of additive Gaussian noise when an intensity change is applied.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    public AugmentationOptions(
        double flipProbability = 0,
        double spatialProbability = 0.67,
        double maxRotationDegrees = 15,
        double minScale = 0.7,
        double maxScale = 1.3,
        double elasticProbability = 0.5,
        double elasticMagnitude = 0.08,
        int elasticGrid = 6,
        double minCropFraction = 0.8,
        double intensityProbability = 0,
        double maxIntensityShift = 0.1,
        double maxContrastChange = 0.1,
        double noiseStd = 0.05)
    {
        Check.InRange(flipProbability, 0, 1, nameof(flipProbability));
        Check.InRange(spatialProbability, 0, 1, nameof(spatialProbability));
        Check.InRange(maxRotationDegrees, 0, 180, nameof(maxRotationDegrees));
        Check.InRange(minScale, 0.1, 10, nameof(minScale));
        Check.InRange(maxScale, minScale, 10, nameof(maxScale));
        Check.InRange(elasticProbability, 0, 1, nameof(elasticProbability));
        Check.InRange(elasticMagnitude, 0, 0.5, nameof(elasticMagnitude));
        Check.InRange(elasticGrid, 2, 64, nameof(elasticGrid));
        Check.InRange(minCropFraction, 1e-3, 1, nameof(minCropFraction));
        Check.InRange(intensityProbability, 0, 1, nameof(intensityProbability));
        Check.InRange(maxIntensityShift, 0, 10, nameof(maxIntensityShift));
        Check.InRange(maxContrastChange, 0, 0.99, nameof(maxContrastChange));
        Check.InRange(noiseStd, 0, 10, nameof(noiseStd));
        FlipProbability = flipProbability;
        SpatialProbability = spatialProbability;
        MaxRotationDegrees = maxRotationDegrees;
        MinScale = minScale;
        MaxScale = maxScale;
        ElasticProbability = elasticProbability;
        ElasticMagnitude = elasticMagnitude;
        ElasticGrid = elasticGrid;
        MinCropFraction = minCropFraction;
        IntensityProbability = intensityProbability;
        MaxIntensityShift = maxIntensityShift;
        MaxContrastChange = maxContrastChange;
        NoiseStd = noiseStd;
    }

    /// <summary>No augmentation at all (identity).</summary>
    public static AugmentationOptions None { get; } = new(flipProbability: 0, spatialProbability: 0, minCropFraction: 1);

    /// <summary>Probability of a flip per in-plane axis.</summary>
    public double FlipProbability { get; }

    /// <summary>Probability of the spatial transform (else random crop).</summary>
    public double SpatialProbability { get; }

    /// <summary>Maximum rotation angle, degrees.</summary>
    public double MaxRotationDegrees { get; }

    /// <summary>Smallest isotropic scale factor.</summary>
    public double MinScale { get; }

    /// <summary>Largest isotropic scale factor.</summary>
    public double MaxScale { get; }

    /// <summary>Probability of elastic deformation within a spatial transform.</summary>
    public double ElasticProbability { get; }

    /// <summary>Maximum elastic displacement, fraction of the half-width.</summary>
    public double ElasticMagnitude { get; }

    /// <summary>Control points per axis of the displacement field.</summary>
    public int ElasticGrid { get; }

    /// <summary>Smallest random-crop window, fraction of the side.</summary>
    public double MinCropFraction { get; }

    /// <summary>Probability of an intensity change.</summary>
    public double IntensityProbability { get; }

    /// <summary>Maximum additive intensity shift.</summary>
    public double MaxIntensityShift { get; }

    /// <summary>Maximum relative contrast change.</summary>
    public double MaxContrastChange { get; }

    /// <summary>Standard deviation of the additive noise.</summary>
    public double NoiseStd { get; }
}
