namespace ThighSeg.IO.Cohort;

/// <summary>The result of a cohort job (this shard).</summary>
/// <param name="Total">Cases of this shard.</param>
/// <param name="Done">Cases predicted.</param>
/// <param name="Skipped">Cases already done.</param>
/// <param name="Failed">Cases failed, with their errors, in case order.</param>
/// <param name="Collected">True when the cohort tables were rebuilt (unsharded, or every shard's cases settled).</param>
/// <param name="Elapsed">Wall time of the job.</param>
public sealed record CohortSummary(int Total, int Done, int Skipped, IReadOnlyList<(string CaseId, string Error)> Failed, bool Collected, TimeSpan Elapsed);
