using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Phantoms;

/// <summary>One synthetic subject: a T1-weighted-like axial stack of both thighs with its muscle labels.</summary>
/// <param name="SubjectId">Subject identifier.</param>
/// <param name="Seed">The seed that reproduces this subject with the same options.</param>
/// <param name="Image">Image intensities (float, arbitrary scanner-like scale), geometry in RAS+ mm.</param>
/// <param name="Labels">Muscle labels (values of <see cref="ThighPhantomGenerator.LabelMap"/>, same value on both sides), same geometry.</param>
/// <param name="Tissue">Tissue class of every voxel (<see cref="PhantomTissue"/> as int), same geometry; ground truth for tests.</param>
/// <param name="Sides">Which thigh every voxel belongs to: 0 outside the body, 1 patient right, 2 patient left; same geometry.</param>
/// <param name="Levels">Thigh level of every stored slice k (0 = knee joint line, 1 = hip), indexed like the volume's third axis.</param>
/// <param name="Parameters">The main subject and acquisition parameters drawn from the seed.</param>
public sealed record PhantomSubject(string SubjectId, int Seed, Volume<float> Image, Volume<int> Labels, Volume<int> Tissue, Volume<int> Sides,
    IReadOnlyList<double> Levels, PhantomParameters Parameters)
{
    /// <summary>The water and fat images with their truth, when generated with <see cref="PhantomOptions.Dixon"/>; otherwise null.</summary>
    public PhantomDixon? Dixon { get; init; }
}
