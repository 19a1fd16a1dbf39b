namespace ThighSeg.IO.Cohort;

/// <summary>What a cohort job must do with a case, from its completion record and the files present.</summary>
public enum CaseAction
{
    /// <summary>Nothing of the case exists yet: predict it.</summary>
    Predict,

    /// <summary>Done from the same input, model and settings, every output intact: skip it.</summary>
    Skip,

    /// <summary>Started or done by this tool from the same input, model and settings, but an output is missing,
    /// truncated or changed, or a table is new: predict it again, replacing its own outputs.</summary>
    Redo,

    /// <summary>An output exists that this tool did not write, or wrote from another input, model or settings: it is
    /// not replaced unless overwriting is allowed.</summary>
    Conflict,
}
