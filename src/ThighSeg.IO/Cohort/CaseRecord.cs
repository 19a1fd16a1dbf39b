namespace ThighSeg.IO.Cohort;

/// <summary>
/// A case's completion record, <c>cases/&lt;case&gt;/record.json</c>: written with <see cref="Status"/> <c>started</c>
/// before any output of the case is written (claiming them), and with <c>done</c> and the output hashes after all are.
/// </summary>
/// <param name="Case">The case id.</param>
/// <param name="Source">The input path.</param>
/// <param name="Status"><c>started</c> or <c>done</c>.</param>
/// <param name="Input">The input fingerprint (<see cref="CohortFingerprint.OfInput"/>).</param>
/// <param name="Model">The model fingerprint.</param>
/// <param name="Settings">The prediction settings that change outputs (e.g. <c>tta=true;largest=false</c>).</param>
/// <param name="Outputs">The outputs with their hashes (empty while started).</param>
/// <param name="Utc">When the record was written (ISO 8601).</param>
public sealed record CaseRecord(string Case, string Source, string Status, string Input, string Model, string Settings, IReadOnlyList<CaseOutputFile> Outputs, string Utc)
{
    /// <summary>The status of a record written before the outputs.</summary>
    public const string Started = "started";

    /// <summary>The status of a record written after all outputs.</summary>
    public const string Done = "done";
}
