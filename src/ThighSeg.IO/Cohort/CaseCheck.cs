using ThighSeg.Core.Tables;

namespace ThighSeg.IO.Cohort;

/// <summary>The outcome of <see cref="CohortOutput.Check(CohortCase, string, string, CohortOutputKinds, IEnumerable{ICaseTable}, bool)"/>.</summary>
/// <param name="Action">What to do.</param>
/// <param name="InputFingerprint">The case's input fingerprint now.</param>
/// <param name="Reason">Why (for <see cref="CaseAction.Redo"/> and <see cref="CaseAction.Conflict"/>), else null.</param>
public sealed record CaseCheck(CaseAction Action, string InputFingerprint, string? Reason);
