namespace ThighSeg.Core.Tables;

/// <summary>One record (row) of a CSV text read by <see cref="CsvReader"/>.</summary>
/// <param name="LineNumber">The 1-based line on which the record starts (for messages; a quoted field may span lines).</param>
/// <param name="Fields">The field values, unquoted, with doubled quotes undone.</param>
public sealed record CsvRecord(int LineNumber, IReadOnlyList<string> Fields)
{
    /// <summary>True when the record holds nothing but white space (a line of spaces).</summary>
    public bool IsBlank => Fields.All(string.IsNullOrWhiteSpace);
}
