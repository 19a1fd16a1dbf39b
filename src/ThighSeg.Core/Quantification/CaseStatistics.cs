namespace ThighSeg.Core.Quantification;

/// <summary>The statistics of one case: one row per muscle and side, the long per-slice CSA table, and the side-specific labels they were computed on.</summary>
/// <param name="CaseId">The case.</param>
/// <param name="Muscles">One row per muscle and side (every label of the sided label map, present or not).</param>
/// <param name="Csa">Per muscle and side, one row per axial slice of that side's labelled extent.</param>
/// <param name="Labels">The side-specific labels (write them with their label map to keep the side scheme).</param>
/// <param name="FatFraction">The fat-fraction method used, or null when none was given.</param>
/// <param name="Options">The options used.</param>
public sealed record CaseStatistics(string CaseId, IReadOnlyList<MuscleStatisticsRow> Muscles, IReadOnlyList<CsaRow> Csa, SidedLabels Labels,
    FatFractionMethod? FatFraction, QuantificationOptions Options);
