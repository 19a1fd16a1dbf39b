namespace ThighSeg.IO.Cohort;

/// <summary>Progress of a cohort job after one case.</summary>
/// <param name="CaseId">The case just ended.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Message">The error for a failure, else null.</param>
/// <param name="Done">Cases predicted so far.</param>
/// <param name="Skipped">Cases skipped so far.</param>
/// <param name="Failed">Cases failed so far.</param>
/// <param name="Total">Cases of this shard.</param>
/// <param name="Elapsed">Time since the job started.</param>
public sealed record CohortProgress(string CaseId, CaseOutcome Outcome, string? Message, int Done, int Skipped, int Failed, int Total, TimeSpan Elapsed)
{
    /// <summary>Cases ended so far.</summary>
    public int Ended => Done + Skipped + Failed;

    /// <summary>Predicted (not skipped) cases per minute, or NaN before the first.</summary>
    public double CasesPerMinute => Done + Failed == 0 || Elapsed <= TimeSpan.Zero ? double.NaN : (Done + Failed) / Elapsed.TotalMinutes;

    /// <summary>Estimated time to finish the shard at the current rate, or null when unknown.</summary>
    public TimeSpan? Remaining => double.IsNaN(CasesPerMinute) || CasesPerMinute <= 0 ? null : TimeSpan.FromMinutes((Total - Ended) / CasesPerMinute);
}
