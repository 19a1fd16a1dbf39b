namespace ThighSeg.ML;

/// <summary>The segmentation of one volume by a <see cref="SegmentationTransformer"/>.</summary>
/// <param name="MaskPath">The NIfTI label map written for it (same shape and affine as the input, label names in a header extension).</param>
/// <param name="VolumesMl">Volume of each muscle in millilitres, in the order of <see cref="SegmentationTransformer.MuscleNames"/>.</param>
public sealed record SegmentationResult(string MaskPath, IReadOnlyList<float> VolumesMl);
