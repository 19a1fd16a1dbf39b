namespace ThighSeg.IO.Cohort;

/// <summary>One output file of a case, as its completion record lists it.</summary>
/// <param name="Path">Path relative to the output folder, <c>/</c> separators.</param>
/// <param name="Bytes">File size.</param>
/// <param name="Sha256">SHA-256 of the content, lower-case hex.</param>
public sealed record CaseOutputFile(string Path, long Bytes, string Sha256);
