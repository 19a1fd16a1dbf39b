namespace ThighSeg.Experiments;

/// <summary>Progress of an experiment: the current stage and, while training, the training progress.</summary>
/// <param name="Stage">What is happening (e.g. <c>pretrain pcl</c>, <c>finetune pcl S=1 repeat 0</c>, <c>predict</c>).</param>
/// <param name="Completed">Finished units of work (pretrainings + runs).</param>
/// <param name="Total">All units of work.</param>
/// <param name="Training">Training progress, when training.</param>
/// <param name="Warning">A warning found now, before the work it concerns (for example isolated scan positions before a
/// PCL pretraining), reported once; the study's report (<see cref="ExperimentResult.Warnings"/>) repeats it.</param>
public sealed record ExperimentProgress(string Stage, int Completed, int Total, Core.Abstractions.TrainingProgress? Training = null, string? Warning = null);
