namespace ThighSeg.Core.Phantoms;

/// <summary>The main parameters of one phantom subject.</summary>
/// <param name="ThighLengthMm">Knee joint line to hip, mm.</param>
/// <param name="MinThighGapMm">Smallest skin-to-skin gap between the thighs over the stack (negative: pressed together).</param>
/// <param name="FatThicknessMm">Mean subcutaneous fat thickness at mid-thigh, mm.</param>
/// <param name="FattyInfiltration">Fatty infiltration of muscle, 0 (none) to about 0.45.</param>
/// <param name="FirstLevel">Thigh level of the most inferior slice centre (0 knee, 1 hip).</param>
/// <param name="LastLevel">Thigh level of the most superior slice centre.</param>
/// <param name="StoredOrientation">Orientation code of the stored voxel axes (<c>RAS</c>, <c>LAS</c>, <c>RAI</c> or <c>LAI</c>).</param>
public sealed record PhantomParameters(double ThighLengthMm, double MinThighGapMm, double FatThicknessMm, double FattyInfiltration,
    double FirstLevel, double LastLevel, string StoredOrientation);
