using ThighSeg.Core.Quantification;

namespace ThighSeg.Core.Phantoms;

/// <summary>One row of a Dixon phantom's truth table.</summary>
/// <param name="Label">Muscle label value (side-less, <see cref="ThighPhantomGenerator.LabelMap"/>).</param>
/// <param name="Muscle">Muscle name.</param>
/// <param name="Side">Side (the phantom's own side of every voxel).</param>
/// <param name="Voxels">Labelled voxels of this muscle on this side.</param>
/// <param name="VolumeMl">Their volume, mL.</param>
/// <param name="FatFraction">Mean of the true voxel fat fractions over those voxels (0..1).</param>
public sealed record PhantomFatTruth(int Label, string Muscle, AnatomicalSide Side, long Voxels, double VolumeMl, double FatFraction);
