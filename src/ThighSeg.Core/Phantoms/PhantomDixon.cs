using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Phantoms;

/// <summary>
/// The Dixon images of a phantom subject and their truth. Every tissue has a water and a fat signal (subcutaneous and
/// intermuscular fat about 90 % fat, yellow marrow 85 %, skin 15 %, nerve 25 %); muscle has a subject- and muscle-specific
/// baseline fat fraction (1 to 8 %) plus the smooth intramuscular infiltration field that also brightens the T1w image,
/// which mixes in fatty tissue. Partial volumes mix the signals linearly, like the T1w intensity. The images share the
/// T1w image's bias field and intensity scale; with noise on, each gets Rician noise of 0.5 % of the pure-fat signal.
/// </summary>
/// <param name="Water">Water image (magnitude), same geometry as the subject.</param>
/// <param name="Fat">Fat image (magnitude), same geometry.</param>
/// <param name="FatFraction">True voxel fat fraction (0..1) before bias and noise, same geometry; 0 in air.</param>
/// <param name="Truth">Per labelled muscle and side: voxels, volume and mean true fat fraction.</param>
public sealed record PhantomDixon(Volume<float> Water, Volume<float> Fat, Volume<float> FatFraction, IReadOnlyList<PhantomFatTruth> Truth);
