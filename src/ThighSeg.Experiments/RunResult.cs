using ThighSeg.Core.Metrics;

namespace ThighSeg.Experiments;

/// <summary>The outcome of one fine-tuning run: per-subject, per-label metrics on the test subjects.</summary>
/// <param name="Key">Which run.</param>
/// <param name="TrainingSubjects">The labelled subjects it was fine-tuned on.</param>
/// <param name="ValidationSubjects">The subjects used for model selection.</param>
/// <param name="BestEpoch">The selected epoch.</param>
/// <param name="Rows">Metrics on the test subjects.</param>
/// <param name="Seconds">Wall time of fine-tuning, prediction and evaluation.</param>
/// <param name="ModelDirectory">Where the fine-tuned model is.</param>
/// <param name="Reused">True when a finished run from an earlier invocation was reused.</param>
public sealed record RunResult(
    RunKey Key,
    IReadOnlyList<string> TrainingSubjects,
    IReadOnlyList<string> ValidationSubjects,
    int BestEpoch,
    IReadOnlyList<SubjectMetrics> Rows,
    double Seconds,
    string ModelDirectory,
    bool Reused);
