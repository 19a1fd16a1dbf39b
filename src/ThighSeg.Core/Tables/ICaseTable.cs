namespace ThighSeg.Core.Tables;

/// <summary>
/// A table computed for each predicted case (e.g. muscle volumes, per-muscle statistics). A cohort job writes it per case
/// (<c>cases/&lt;case&gt;/&lt;Name&gt;.csv</c>) right after the case's label map, and merges the per-case files into
/// the cohort table <c>&lt;Name&gt;.csv</c>. To add a table, implement this interface and add an instance to the job's
/// table list: nothing else changes.
/// </summary>
/// <remarks>Implementations must be stateless and thread-safe (they run on the job's writer thread). Rows must not
/// depend on anything but the input, so that reruns and shards give identical files.</remarks>
public interface ICaseTable
{
    /// <summary>File stem of the table (<c>volumes</c> gives <c>volumes.csv</c>); letters, digits, <c>-</c> and <c>_</c>.</summary>
    string Name { get; }

    /// <summary>The header; the first column holds the case id.</summary>
    IReadOnlyList<string> Columns { get; }

    /// <summary>The rows for one case (each exactly <see cref="Columns"/>.Count values, formatted by <see cref="CsvWriter.Format"/>).</summary>
    IEnumerable<object?[]> Rows(CaseTableInput input);
}
