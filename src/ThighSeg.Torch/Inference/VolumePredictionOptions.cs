using ThighSeg.Core.Abstractions;

namespace ThighSeg.Torch.Inference;

/// <summary>Options for predicting a whole volume.</summary>
/// <param name="FlipTta">Average the softmax of each slice with that of its left-right mirror (test-time augmentation);
/// on by default, as nnU-Net does and as <c>thighseg predict</c> and the experiment's evaluation use it.</param>
/// <param name="KeepLargestComponent">Keep, per label, only the largest 3D connected component per thigh.</param>
/// <param name="WithProbabilities">Also return per-class probability volumes (float32, original geometry, indexed like <see cref="ISegmentationModel.Classes"/>).</param>
public sealed record VolumePredictionOptions(bool FlipTta = true, bool KeepLargestComponent = false, bool WithProbabilities = false)
{
    /// <summary>The defaults: flip TTA, no clean-up, no probabilities.</summary>
    public static VolumePredictionOptions Default { get; } = new();
}
