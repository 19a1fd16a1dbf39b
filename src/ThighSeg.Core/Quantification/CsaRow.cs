namespace ThighSeg.Core.Quantification;

/// <summary>The cross-sectional area of one muscle on one side in one axial slice (a row of the long CSA table).</summary>
/// <param name="CaseId">The case.</param>
/// <param name="Label">Side-specific label value.</param>
/// <param name="LabelName">Side-specific name.</param>
/// <param name="Muscle">Muscle name without side.</param>
/// <param name="Side">Side.</param>
/// <param name="Slice">Axial slice counted from inferior (canonical RAS+ order).</param>
/// <param name="Level">Relative level of the slice in the side's labelled extent (0 inferior, 1 superior).</param>
/// <param name="ZMm">World z (RAS+, mm) of the slice centre.</param>
/// <param name="Voxels">Voxels of the muscle in the slice.</param>
/// <param name="CsaMm2">Cross-sectional area, mm².</param>
public sealed record CsaRow(string CaseId, int Label, string LabelName, string Muscle, AnatomicalSide Side, int Slice, double Level, double ZMm, long Voxels, double CsaMm2);
