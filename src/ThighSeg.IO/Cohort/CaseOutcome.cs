namespace ThighSeg.IO.Cohort;

/// <summary>How a cohort job ended one case.</summary>
public enum CaseOutcome
{
    /// <summary>Predicted and written.</summary>
    Done,

    /// <summary>Already done from the same input and model; left as it was.</summary>
    Skipped,

    /// <summary>Failed (unreadable input, conflicting output, prediction or write error); recorded, the job went on.</summary>
    Failed,
}
