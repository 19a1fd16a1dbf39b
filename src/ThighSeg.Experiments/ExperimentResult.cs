namespace ThighSeg.Experiments;

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

    /// <summary>Runs of the plan without a completion record, whose results the reports therefore lack (empty after <see cref="LabelEfficiencyExperiment.Run"/>).</summary>
    public IReadOnlyList<StudyRun> Missing { get; init; } = [];
}
