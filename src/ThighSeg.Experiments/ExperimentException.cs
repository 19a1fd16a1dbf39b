namespace ThighSeg.Experiments;

/// <summary>A problem with an experiment's inputs or output folder that the user can fix.</summary>
public sealed class ExperimentException : Core.ThighSegException
{
    /// <summary>Creates the exception with a message.</summary>
    public ExperimentException(string message) : base(message) { }

    /// <summary>The setting the problem is about (a property of <see cref="ExperimentOptions"/>, or the dotted path of a
    /// run's setting in its completion record, e.g. <c>seed</c> or <c>finetune.Schedule.LearningRate</c>), or null.</summary>
    public string? Setting { get; init; }

    /// <summary>The index of the run that must finish first, when a run waited for it in vain; else null.</summary>
    public int? PendingRun { get; init; }

    /// <summary>Creates the exception with no message.</summary>
    public ExperimentException() { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ExperimentException(string message, Exception innerException) : base(message, innerException) { }
}
