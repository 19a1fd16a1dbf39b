namespace ThighSeg.Core.Abstractions;

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
    IReadOnlyList<double> LossHistory)
{
    /// <summary>Foreground label values of the label map that occur in no training stack (validation stacks do not
    /// count: they give no gradient), ascending; the model never predicts them. Empty when every label was seen.
    /// <see cref="Data.LabelCoverage.Warning"/> words it.</summary>
    public IReadOnlyList<int> UnseenLabels { get; init; } = [];
}
