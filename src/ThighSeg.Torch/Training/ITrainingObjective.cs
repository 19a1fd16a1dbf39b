using ThighSeg.Core.Data;
using ThighSeg.Torch.Interop;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>
/// What a <see cref="TrainingLoop"/> optimises: the module whose weights are trained and checkpointed, its optimizer,
/// and the loss of one batch. Pretraining (<see cref="ContrastiveObjective"/>) and fine-tuning
/// (<see cref="SegmentationObjective"/>) are objectives; the loop owns everything else.
/// </summary>
internal interface ITrainingObjective
{
    /// <summary>The trained module (weights and buffers are checkpointed).</summary>
    TorchSharp.torch.nn.Module Module { get; }

    /// <summary>The optimizer over <see cref="Module"/>'s parameters (its state is checkpointed).</summary>
    ParameterOptimizer Optimizer { get; }

    /// <summary>The scalar loss of one batch, computed inside the loop's dispose scope for the step.</summary>
    /// <param name="batch">The slices of the batch.</param>
    /// <param name="rng">The epoch's augmentation generator (seeded by the loop from the schedule's seed and the epoch).</param>
    Tensor Loss(IReadOnlyList<PositionalSlice> batch, Random rng);
}
