namespace ThighSeg.IO.Dicom;

/// <summary>A coded concept as DICOM writes it in a code sequence item (PS3.3 Table 8.8-1).</summary>
/// <param name="Value">Code Value, e.g. <c>1403006</c>.</param>
/// <param name="Scheme">Coding Scheme Designator, e.g. <c>SCT</c> (SNOMED CT) or <c>DCM</c>.</param>
/// <param name="Meaning">Code Meaning, e.g. <c>Vastus lateralis muscle</c>.</param>
public sealed record DicomCode(string Value, string Scheme, string Meaning)
{
    /// <inheritdoc />
    public override string ToString() => $"({Value}, {Scheme}, \"{Meaning}\")";
}
