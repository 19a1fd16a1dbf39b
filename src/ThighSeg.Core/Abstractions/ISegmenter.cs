using ThighSeg.Core.Data;

namespace ThighSeg.Core.Abstractions;

/// <summary>
/// Fine-tunes a segmentation U-Net on labelled stacks, from a pretrained encoder artifact (only encoder weights are
/// transferred; decoder and output layer start random; nothing is frozen) or from random initialisation.
/// </summary>
/// <remarks>Instances are not thread-safe; run one training per instance at a time.</remarks>
public interface ISegmenter
{
    /// <summary>Fine-tunes and returns the selected model.</summary>
    /// <param name="labelled">Labelled training stacks (all with labels, same slice size). A validation split of whole subjects is drawn from them.</param>
    /// <param name="pretrainedEncoder">Folder of a pretrained encoder (or segmentation) artifact whose encoder initialises the network, or null for random initialisation.</param>
    /// <param name="classes">The label values to learn, or null to take the values present in <paramref name="labelled"/>.</param>
    /// <param name="checkpointDirectory">Folder for per-epoch checkpoints so that a rerun resumes, or null for no checkpoints.</param>
    /// <param name="validation">Labelled stacks of held-out training subjects for model selection (for example the
    /// validation subjects of the dataset's <c>splits.json</c>); when given, all of <paramref name="labelled"/> is trained on
    /// and no split is drawn. Null: a validation fraction of <paramref name="labelled"/>'s subjects is drawn by seed.</param>
    /// <param name="progress">Progress and losses.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <exception cref="ThighSegException">Bad input, or an incompatible pretrained artifact (<see cref="ModelFormatException"/>).</exception>
    FineTuneResult FineTune(
        IReadOnlyList<SliceStack> labelled,
        string? pretrainedEncoder = null,
        LabelMap? classes = null,
        string? checkpointDirectory = null,
        IReadOnlyList<SliceStack>? validation = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default);
}
