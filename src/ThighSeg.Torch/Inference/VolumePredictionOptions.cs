using ThighSeg.Core.Abstractions;

namespace ThighSeg.Torch.Inference;

/// <summary>Options for predicting a whole volume.</summary>
/// <param name="FlipTta">Mirror test-time augmentation: average the softmax of each slice with that of its left-right
/// mirror, for models trained with random flips (<see cref="Training.UNetSegmentationModel.TrainedWithFlips"/>). On by
/// default, as in nnU-Net, which likewise mirrors only along the axes its training mirrored: a model trained without flips
/// (ThighSeg's default, because the preprocessing puts every half-thigh in one canonical orientation) has never seen a
/// mirrored thigh, and averaging with its prediction on one lowered the demo's test Dice from 0.825 to 0.683
/// (docs/training.md).</param>
/// <param name="KeepLargestComponent">Keep, per label, only the largest 3D connected component per thigh.</param>
/// <param name="WithProbabilities">Also return per-class probability volumes (float32, original geometry, indexed like <see cref="ISegmentationModel.Classes"/>).</param>
public sealed record VolumePredictionOptions(bool FlipTta = true, bool KeepLargestComponent = false, bool WithProbabilities = false)
{
    /// <summary>The defaults: flip TTA, no clean-up, no probabilities.</summary>
    public static VolumePredictionOptions Default { get; } = new();
}
