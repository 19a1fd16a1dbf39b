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
