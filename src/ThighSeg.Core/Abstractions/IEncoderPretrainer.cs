using ThighSeg.Core.Data;

namespace ThighSeg.Core.Abstractions;

/// <summary>
/// Self-supervised pretraining of a U-Net encoder on unlabelled slice stacks. Implementations write a checkpoint into
/// the output folder after every epoch (atomically) and resume from it when called again with the same options;
/// the final encoder is saved as a model artifact in the same folder.
/// </summary>
/// <remarks>Instances are not thread-safe; run one training per instance at a time.</remarks>
public interface IEncoderPretrainer
{
    /// <summary>Pretrains (or resumes pretraining) and writes the encoder artifact to <paramref name="outputDirectory"/>.</summary>
    /// <param name="stacks">Unlabelled stacks (labels, if any, are ignored), all with the same slice size.</param>
    /// <param name="outputDirectory">Folder for checkpoint and artifact; created when missing.</param>
    /// <param name="progress">Receives progress and losses at logging intervals and after each epoch.</param>
    /// <param name="cancellationToken">Stops training between steps; the last complete epoch stays checkpointed.</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="ThighSegException">Bad input (no slices, mixed slice sizes, PCL positions from the scanner's z for stacks without axial coordinates) or a checkpoint from different options.</exception>
    PretrainResult Pretrain(IReadOnlyList<SliceStack> stacks, string outputDirectory, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default);
}
