namespace ThighSeg.Core.Quantification;

/// <summary>Statistics of one muscle on one side of one case. Undefined values are <see cref="double.NaN"/>.</summary>
/// <param name="CaseId">The case.</param>
/// <param name="Label">Side-specific label value.</param>
/// <param name="LabelName">Side-specific name (<c>&lt;muscle&gt;_right</c>/<c>_left</c>).</param>
/// <param name="Muscle">Muscle name without side.</param>
/// <param name="Side">Side.</param>
/// <param name="Voxels">Voxel count.</param>
/// <param name="VolumeMl">Volume, mL.</param>
/// <param name="MaxCsaMm2">Largest cross-sectional area over axial slices, mm² (0 when absent).</param>
/// <param name="MaxCsaSlice">Axial slice of the largest CSA, counted from inferior (canonical RAS+ order); -1 when absent.</param>
/// <param name="MaxCsaLevel">Relative level of that slice in the side's labelled extent (0 inferior, 1 superior).</param>
/// <param name="MaxCsaZMm">World z (RAS+, mm) of that slice's centre.</param>
/// <param name="CsaLevel">The relative level p of <paramref name="CsaAtLevelMm2"/>.</param>
/// <param name="CsaAtLevelMm2">CSA at the slice nearest to relative level p, mm² (0 when the muscle is absent there).</param>
/// <param name="TouchesFovZ">True when the muscle reaches the first or last axial slice: it may be cut by the field of view, and its volume is then a lower bound.</param>
/// <param name="IntensityMean">Mean image intensity inside the mask.</param>
/// <param name="IntensityMedian">Median image intensity inside the mask.</param>
/// <param name="IntensitySd">Sample standard deviation of the intensity inside the mask.</param>
/// <param name="FatFractionVoxels">Voxels of the (eroded) mask with a defined fat fraction.</param>
/// <param name="FatFractionMean">Mean fat fraction (0..1) in the eroded mask.</param>
/// <param name="FatFractionMedian">Median fat fraction in the eroded mask.</param>
/// <param name="FatFractionSd">Sample standard deviation of the fat fraction in the eroded mask.</param>
/// <param name="LeanVolumeMl">FF-weighted lean volume: VolumeMl · (1 − FatFractionMean), mL.</param>
public sealed record MuscleStatisticsRow(string CaseId, int Label, string LabelName, string Muscle, AnatomicalSide Side, long Voxels, double VolumeMl,
    double MaxCsaMm2, int MaxCsaSlice, double MaxCsaLevel, double MaxCsaZMm, double CsaLevel, double CsaAtLevelMm2, bool TouchesFovZ,
    double IntensityMean, double IntensityMedian, double IntensitySd,
    long FatFractionVoxels, double FatFractionMean, double FatFractionMedian, double FatFractionSd, double LeanVolumeMl);
