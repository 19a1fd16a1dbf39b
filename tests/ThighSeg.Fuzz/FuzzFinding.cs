namespace ThighSeg.Fuzz;

/// <summary>An input whose outcome is not allowed: an exception type outside the parser's own, a timeout, or memory over the cap.</summary>
/// <param name="Input">The input (saved to disk for reproduction).</param>
/// <param name="Kind"><c>exception</c>, <c>timeout</c> or <c>memory</c>.</param>
/// <param name="Detail">The exception (type, message, stack) or the measured figure.</param>
/// <param name="SavedAs">Where the input was saved, or null when no findings folder was given.</param>
internal sealed record FuzzFinding(FuzzInput Input, string Kind, string Detail, string? SavedAs);
