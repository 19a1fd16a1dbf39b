using ThighSeg.Core.Metrics;

namespace ThighSeg.Torch.Experiments;

/// <summary>Identifies one fine-tuning run of an experiment.</summary>
/// <param name="Method">The initialisation.</param>
/// <param name="Size">Labelled-set size S.</param>
/// <param name="Repeat">The draw (0-based).</param>
public readonly record struct RunKey(InitMethod Method, int Size, int Repeat)
{
    /// <summary>The run's folder name, e.g. <c>pcl-S01-r0</c>.</summary>
    public string FolderName => $"{Method.Name()}-S{Size:D2}-r{Repeat}";

    /// <inheritdoc />
    public override string ToString() => $"{Method.Name()} S={Size} repeat {Repeat}";
}

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

/// <summary>Mean and SD over test subjects (pooled over repeats) of one metric for one method and size.</summary>
/// <param name="Method">The initialisation.</param>
/// <param name="Size">Labelled-set size.</param>
/// <param name="Label">Label value, or null for each subject's mean over labels.</param>
/// <param name="LabelName">Label name, or <c>all</c>.</param>
/// <param name="Metric">dice, hd95_mm or assd_mm.</param>
/// <param name="Statistic">Mean, SD and counts.</param>
public sealed record ExperimentSummaryRow(InitMethod Method, int Size, int? Label, string LabelName, string Metric, MetricStatistic Statistic);

/// <summary>Paired Wilcoxon signed-rank comparison of a pretrained initialisation against random initialisation at one size.</summary>
/// <param name="Method">The pretrained initialisation.</param>
/// <param name="Size">Labelled-set size.</param>
/// <param name="Subjects">Test subjects paired (each subject's mean Dice over labels, averaged over repeats).</param>
/// <param name="MeanDice">Mean Dice of <paramref name="Method"/>.</param>
/// <param name="MeanDiceRandom">Mean Dice of random initialisation.</param>
/// <param name="PValue">Two-sided p-value (NaN when fewer than one non-zero pair).</param>
/// <param name="DifferenceInterval">Percentile bootstrap 95% confidence interval of the mean paired difference
/// (<paramref name="Method"/> − random) over the paired subjects (10,000 resamples, seed 0).</param>
public sealed record ExperimentComparison(InitMethod Method, int Size, int Subjects, double MeanDice, double MeanDiceRandom, double PValue, Core.Statistics.BootstrapInterval DifferenceInterval);

/// <summary>Everything an experiment produced.</summary>
/// <param name="OutputDirectory">Where its files are.</param>
/// <param name="Runs">Every run, in execution order.</param>
/// <param name="Summary">Summary rows (overall and per label).</param>
/// <param name="Comparisons">Each pretrained method against random initialisation, per size.</param>
/// <param name="Files">Named output files (metrics, summary, comparisons, montage, provenance).</param>
/// <param name="Seconds">Total wall time of this invocation.</param>
public sealed record ExperimentResult(
    string OutputDirectory,
    IReadOnlyList<RunResult> Runs,
    IReadOnlyList<ExperimentSummaryRow> Summary,
    IReadOnlyList<ExperimentComparison> Comparisons,
    IReadOnlyDictionary<string, string> Files,
    double Seconds)
{
    /// <summary>Problems worth the user's attention that did not stop the experiment (e.g. a collapsed pretraining).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Progress of an experiment: the current stage and, while training, the training progress.</summary>
/// <param name="Stage">What is happening (e.g. <c>pretrain pcl</c>, <c>finetune pcl S=1 repeat 0</c>, <c>predict</c>).</param>
/// <param name="Completed">Finished units of work (pretrainings + runs).</param>
/// <param name="Total">All units of work.</param>
/// <param name="Training">Training progress, when training.</param>
public sealed record ExperimentProgress(string Stage, int Completed, int Total, Core.Abstractions.TrainingProgress? Training = null);

/// <summary>A problem with an experiment's inputs or output folder that the user can fix.</summary>
public sealed class ExperimentException : Core.ThighSegException
{
    /// <summary>Creates the exception with a message.</summary>
    public ExperimentException(string message) : base(message) { }

    /// <summary>Creates the exception with no message.</summary>
    public ExperimentException() { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ExperimentException(string message, Exception innerException) : base(message, innerException) { }
}
