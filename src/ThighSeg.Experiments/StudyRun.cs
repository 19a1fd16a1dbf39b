namespace ThighSeg.Experiments;

/// <summary>
/// One unit of work of a label-efficiency study, as listed by <see cref="LabelEfficiencyExperiment.Plan"/>: a
/// pretraining (one per self-supervised method without a given encoder) or a fine-tuning run. Pretrainings come first,
/// so a job array can run indices <c>0..P-1</c>, then <c>P..N-1</c> after them.
/// </summary>
/// <param name="Index">0-based position in the plan (the job-array task index).</param>
/// <param name="Kind">Pretraining or fine-tuning.</param>
/// <param name="Method">The initialisation this run pretrains or fine-tunes.</param>
/// <param name="Size">Labelled-set size S of a fine-tuning run; null for a pretraining.</param>
/// <param name="Repeat">The draw (0-based) of a fine-tuning run; null for a pretraining.</param>
/// <param name="DependsOn">Index of the pretraining this fine-tuning starts from, or null (random initialisation, a given encoder, or a pretraining).</param>
public sealed record StudyRun(int Index, StudyRunKind Kind, InitMethod Method, int? Size, int? Repeat, int? DependsOn)
{
    /// <summary>The fine-tuning run's key; null for a pretraining.</summary>
    public RunKey? Key => Kind == StudyRunKind.FineTune ? new RunKey(Method, Size!.Value, Repeat!.Value) : null;

    /// <summary>The run's folder relative to the study's output folder: <c>pretrain/pcl</c> or <c>runs/pcl-S01-r0</c>.</summary>
    public string Folder => Kind == StudyRunKind.Pretrain ? $"pretrain/{Method.Name()}" : $"runs/{Key!.Value.FolderName}";

    /// <summary><c>pretrain pcl</c> or <c>finetune pcl S=1 repeat 0</c>.</summary>
    public override string ToString() => Kind == StudyRunKind.Pretrain ? $"pretrain {Method.Name()}" : $"finetune {Key}";
}
