using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Abstractions;

/// <summary>A subject's prediction in the geometry of its original image.</summary>
/// <param name="Labels">Label values on the original voxel grid (same shape and affine as the input image).</param>
/// <param name="Probabilities">Per-class probability maps on the original grid (index = class index of
/// <see cref="ISegmentationModel.Classes"/>), or null when not requested. Voxels outside every stack get probability 1
/// for background and 0 otherwise.</param>
public sealed record VolumePrediction(Volume<int> Labels, IReadOnlyList<Volume<float>>? Probabilities);
