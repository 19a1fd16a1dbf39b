using ThighSeg.Core.Data;

namespace ThighSeg.Core.Abstractions;

/// <summary>A progress report from a training loop. Losses are reported only at logging intervals (they need a host synchronisation).</summary>
/// <param name="Phase"><c>pretrain</c>, <c>finetune</c>, <c>validate</c> or <c>resume</c>.</param>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Step">Global step count completed (1-based).</param>
/// <param name="TotalSteps">Total steps of the run.</param>
/// <param name="Loss">Mean training loss since the last report, or NaN when none is available.</param>
/// <param name="LearningRate">Learning rate of the last step.</param>
/// <param name="Elapsed">Wall time since this process started the run (excludes earlier runs that were resumed).</param>
/// <param name="ValidationDice">Mean foreground Dice on the validation split, when this report is a validation.</param>
public readonly record struct TrainingProgress(
    string Phase,
    int Epoch,
    int Epochs,
    long Step,
    long TotalSteps,
    double Loss,
    double LearningRate,
    TimeSpan Elapsed,
    double? ValidationDice = null);

/// <summary>The outcome of a pretraining run.</summary>
/// <param name="ModelDirectory">The folder holding the pretrained encoder artifact (<c>manifest.json</c> + weights).</param>
/// <param name="Steps">Optimisation steps taken in total (including resumed ones).</param>
/// <param name="FinalLoss">Mean loss over the last epoch.</param>
/// <param name="LossHistory">Mean loss of every epoch, in order.</param>
/// <param name="Resumed">Whether the run continued from an existing checkpoint.</param>
/// <param name="CollapseLoss">The loss of a collapsed encoder, whose embeddings are all the same:
/// <c>(tau / tau_base) · ln(2N − 1)</c> for N slices per batch (two views each). NaN when unknown.</param>
/// <param name="Attempts">Every attempt in order when collapse restarts are on (the last one produced the encoder);
/// null or one entry when the first attempt did not collapse.</param>
public sealed record PretrainResult(string ModelDirectory, long Steps, double FinalLoss, IReadOnlyList<double> LossHistory, bool Resumed, double CollapseLoss = double.NaN, IReadOnlyList<PretrainAttempt>? Attempts = null)
{
    /// <summary>Restarts made after collapses (attempts − 1).</summary>
    public int Restarts => Math.Max(0, (Attempts?.Count ?? 1) - 1);

    /// <summary>
    /// True when the last epoch's loss is within 0.5 % of <see cref="CollapseLoss"/>: every slice maps to (nearly) the
    /// same embedding and the encoder has learned nothing useful. Seen with instance norm at lr 0.1; batch norm or a
    /// lower learning rate avoid it.
    /// </summary>
    public bool LikelyCollapsed => IsCollapsed(FinalLoss, CollapseLoss);

    /// <summary>Whether <paramref name="loss"/> is within 0.5 % of <paramref name="collapseLoss"/>.</summary>
    public static bool IsCollapsed(double loss, double collapseLoss) =>
        double.IsFinite(loss) && double.IsFinite(collapseLoss) && collapseLoss > 0 && loss >= 0.995 * collapseLoss;

    /// <summary>The collapse loss for <paramref name="batchSize"/> slices (two views each) and the given temperatures.</summary>
    public static double CollapseLossFor(int batchSize, double temperature, double baseTemperature) =>
        temperature / baseTemperature * Math.Log((2.0 * batchSize) - 1);
}

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
    /// <exception cref="ThighSegException">Bad input (no slices, mixed slice sizes) or a checkpoint from different options.</exception>
    PretrainResult Pretrain(IReadOnlyList<SliceStack> stacks, string outputDirectory, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default);
}

/// <summary>The prediction for one stack, in the stack's network space.</summary>
/// <param name="Labels">Label values (from <see cref="ISegmentationModel.Classes"/>), layout as <see cref="SliceStack.Image"/>.</param>
/// <param name="Probabilities">Per-class probabilities (index = class index, each array laid out as <see cref="SliceStack.Image"/>), or null when not requested.</param>
public sealed record StackPrediction(int[] Labels, IReadOnlyList<float[]>? Probabilities);

/// <summary>A trained segmentation model. Owns native memory: dispose it.</summary>
/// <remarks>Not thread-safe: call <see cref="Predict"/> from one thread at a time.</remarks>
public interface ISegmentationModel : IDisposable
{
    /// <summary>The label values the model predicts and their class indices.</summary>
    LabelMap Classes { get; }

    /// <summary>The network configuration.</summary>
    UNetOptions Network { get; }

    /// <summary>Segments every slice of <paramref name="stack"/> (batched; optional left-right flip test-time augmentation).</summary>
    /// <param name="stack">Slices of the size the model was trained on.</param>
    /// <param name="withProbabilities">Also return per-class softmax probabilities.</param>
    /// <param name="flipTta">Average the softmax of the slice and its left-right mirror.</param>
    /// <exception cref="ArgumentException">The slice size does not fit the network.</exception>
    StackPrediction Predict(SliceStack stack, bool withProbabilities = false, bool flipTta = false);

    /// <summary>Writes the model artifact (<c>manifest.json</c> + weights) to <paramref name="directory"/>, atomically per file.</summary>
    /// <param name="directory">Target folder, created when missing.</param>
    /// <param name="preprocessing">Opaque description of the preprocessing the inputs need, stored in the manifest (or null).</param>
    void Save(string directory, System.Text.Json.Nodes.JsonObject? preprocessing = null);
}

/// <summary>The outcome of fine-tuning.</summary>
/// <param name="Model">The selected model (the caller owns and disposes it).</param>
/// <param name="BestEpoch">Epoch of the selected weights (the last one when there was no validation split).</param>
/// <param name="BestValidationDice">Validation Dice of the selected weights, or null without validation.</param>
/// <param name="TrainingSubjects">Subjects used for gradient steps.</param>
/// <param name="ValidationSubjects">Subjects held out for model selection.</param>
/// <param name="LossHistory">Mean training loss of every epoch.</param>
public sealed record FineTuneResult(
    ISegmentationModel Model,
    int BestEpoch,
    double? BestValidationDice,
    IReadOnlyList<string> TrainingSubjects,
    IReadOnlyList<string> ValidationSubjects,
    IReadOnlyList<double> LossHistory);

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
