using System.Globalization;
using System.Text;
using System.Text.Json;
using ThighSeg.Core;
using ThighSeg.Core.Tables;

namespace ThighSeg.IO.Cohort;

/// <summary>
/// The output folder of a cohort prediction: <c>&lt;case&gt;.nii.gz</c> label maps (case ids may hold <c>/</c>, which
/// become subfolders), and per case <c>cases/&lt;case&gt;/record.json</c> (the completion record), one
/// <c>cases/&lt;case&gt;/&lt;table&gt;.csv</c> per <see cref="ICaseTable"/>, and <c>cases/&lt;case&gt;/failed.json</c>
/// while the case's last attempt failed. <see cref="Collect"/> merges them into the cohort tables
/// <c>&lt;table&gt;.csv</c> and <c>failures.csv</c>.
/// </summary>
/// <remarks>Every file is written atomically. Several processes may share one folder when they own disjoint cases
/// (shards); <see cref="Collect"/> may run in any of them at any time, reading only completed cases.</remarks>
public sealed class CohortOutput
{
    /// <summary>The cohort table of failed cases.</summary>
    public const string FailuresFile = "failures.csv";

    private const string CasesFolder = "cases";
    private const string RecordFile = "record.json";
    private const string FailedFile = "failed.json";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private static readonly IReadOnlyList<string> FailureColumns = ["subject", "source", "error"];

    /// <summary>Uses (and later creates) <paramref name="directory"/>.</summary>
    public CohortOutput(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The output folder (absolute).</summary>
    public string Directory { get; }

    /// <summary>The label map of a case.</summary>
    public string LabelPath(string caseId) => Path.Combine(Directory, Relative(caseId) + ".nii.gz");

    /// <summary>The per-case copy of table <paramref name="table"/>.</summary>
    public string TablePath(string caseId, string table) => Path.Combine(CaseFolder(caseId), table + ".csv");

    /// <summary>The cohort table <paramref name="table"/>.</summary>
    public string CohortTablePath(string table) => Path.Combine(Directory, table + ".csv");

    /// <summary>The DICOM Segmentation object of a case (<see cref="CohortOutputKinds.DicomSeg"/>).</summary>
    public string SegPath(string caseId) => Path.Combine(Directory, Relative(caseId) + ".seg.dcm");

    /// <summary>The QC preview of a case (<see cref="CohortOutputKinds.Preview"/>).</summary>
    public string PreviewPath(string caseId) => Path.Combine(CaseFolder(caseId), "preview.png");

    /// <summary>Every output of a case: its label map, then its tables.</summary>
    public IReadOnlyList<string> OutputPaths(string caseId, IEnumerable<ICaseTable> tables) => OutputPaths(caseId, CohortOutputKinds.Nifti, tables);

    /// <summary>Every output of a case: its label map, SEG and preview as <paramref name="kinds"/> asks, then its tables.</summary>
    public IReadOnlyList<string> OutputPaths(string caseId, CohortOutputKinds kinds, IEnumerable<ICaseTable> tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var paths = new List<string>();
        if (kinds.HasFlag(CohortOutputKinds.Nifti))
        {
            paths.Add(LabelPath(caseId));
        }
        if (kinds.HasFlag(CohortOutputKinds.DicomSeg))
        {
            paths.Add(SegPath(caseId));
        }
        if (kinds.HasFlag(CohortOutputKinds.Preview))
        {
            paths.Add(PreviewPath(caseId));
        }
        paths.AddRange(tables.Select(t => TablePath(caseId, t.Name)));
        return paths;
    }

    /// <summary>Decides what to do with <paramref name="item"/> (see <see cref="CaseAction"/>).</summary>
    /// <param name="item">The case.</param>
    /// <param name="model">The model fingerprint.</param>
    /// <param name="settings">The prediction settings.</param>
    /// <param name="tables">The tables the job writes.</param>
    /// <param name="overwrite">Turn conflicts into <see cref="CaseAction.Redo"/>.</param>
    /// <exception cref="CohortException">The input no longer exists.</exception>
    public CaseCheck Check(CohortCase item, string model, string settings, IEnumerable<ICaseTable> tables, bool overwrite) =>
        Check(item, model, settings, CohortOutputKinds.Nifti, tables, overwrite);

    /// <summary>Decides what to do with <paramref name="item"/> whose outputs are <paramref name="kinds"/> and <paramref name="tables"/> (see <see cref="CaseAction"/>).</summary>
    /// <param name="item">The case.</param>
    /// <param name="model">The model fingerprint.</param>
    /// <param name="settings">The prediction settings.</param>
    /// <param name="kinds">The label files and preview the job writes.</param>
    /// <param name="tables">The tables the job writes.</param>
    /// <param name="overwrite">Turn conflicts into <see cref="CaseAction.Redo"/>.</param>
    /// <exception cref="CohortException">The input no longer exists.</exception>
    public CaseCheck Check(CohortCase item, string model, string settings, CohortOutputKinds kinds, IEnumerable<ICaseTable> tables, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(item);
        string input = CohortFingerprint.OfInput(item);
        var outputs = OutputPaths(item.Id, kinds, tables);
        CaseRecord? record = ReadRecord(item.Id);
        string? conflict = null;
        if (record is null)
        {
            string? existing = outputs.FirstOrDefault(File.Exists);
            if (existing is null)
            {
                return new CaseCheck(CaseAction.Predict, input, null);
            }
            conflict = $"{existing} exists and was not written by a ThighSeg cohort job (no completion record in {CaseFolder(item.Id)})";
        }
        else if (record.Input != input)
        {
            conflict = $"{LabelPath(item.Id)} was predicted from another input ({record.Source}, changed since or a different file)";
        }
        else if (record.Model != model || record.Settings != settings)
        {
            conflict = record.Model != model
                ? $"{LabelPath(item.Id)} was predicted with another model (fingerprint {Short(record.Model)}, this model {Short(model)})"
                : $"{LabelPath(item.Id)} was predicted with other settings ({record.Settings}, now {settings})";
        }
        if (conflict is not null)
        {
            return new CaseCheck(overwrite ? CaseAction.Redo : CaseAction.Conflict, input, conflict);
        }
        if (record!.Status != CaseRecord.Done)
        {
            return new CaseCheck(CaseAction.Redo, input, "the previous attempt did not finish");
        }
        var listed = record.Outputs.ToDictionary(o => o.Path, StringComparer.Ordinal);
        foreach (string path in outputs)
        {
            string rel = RelativeToRoot(path);
            if (!listed.TryGetValue(rel, out var expected))
            {
                return new CaseCheck(CaseAction.Redo, input, $"{rel} is new");
            }
            var info = new FileInfo(path);
            if (!info.Exists || info.Length != expected.Bytes || CohortFingerprint.OfFile(path) != expected.Sha256)
            {
                return new CaseCheck(CaseAction.Redo, input, $"{rel} is missing, truncated or changed");
            }
        }
        return new CaseCheck(CaseAction.Skip, input, null);
    }

    /// <summary>Claims a case's outputs before writing them: a <c>started</c> record.</summary>
    public void Begin(CohortCase item, string input, string model, string settings)
    {
        ArgumentNullException.ThrowIfNull(item);
        WriteRecord(new CaseRecord(item.Id, item.Source, CaseRecord.Started, input, model, settings, [], Now()));
    }

    /// <summary>Marks a case done once all of <paramref name="outputs"/> are written: hashes them into a <c>done</c>
    /// record and removes the case's failure note.</summary>
    public void Complete(CohortCase item, string input, string model, string settings, IEnumerable<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(outputs);
        var files = outputs.Select(p => new CaseOutputFile(RelativeToRoot(p), new FileInfo(p).Length, CohortFingerprint.OfFile(p))).ToList();
        WriteRecord(new CaseRecord(item.Id, item.Source, CaseRecord.Done, input, model, settings, files, Now()));
        File.Delete(Path.Combine(CaseFolder(item.Id), FailedFile));
    }

    /// <summary>Records that a case failed (its error); the case is tried again by the next run.</summary>
    public void Fail(CohortCase item, string error)
    {
        ArgumentNullException.ThrowIfNull(item);
        var text = JsonSerializer.Serialize(new CaseFailure(item.Id, item.Source, error, Now()), Json);
        AtomicFile.WriteAllText(Path.Combine(CaseFolder(item.Id), FailedFile), text);
    }

    /// <summary>True when the case is done (per its record, without re-hashing) or its last attempt failed.</summary>
    public bool IsSettled(string caseId) =>
        File.Exists(Path.Combine(CaseFolder(caseId), FailedFile)) || ReadRecord(caseId) is { Status: CaseRecord.Done };

    /// <summary>
    /// Builds the cohort tables from every done case in the folder (sorted by case id): each table is the header and
    /// the rows of every case's copy whose hash matches its record; <c>failures.csv</c> lists the cases whose last
    /// attempt failed. Returns (cases merged, cases failed).
    /// </summary>
    /// <exception cref="CohortException">A per-case table has another header than <paramref name="tables"/> say.</exception>
    public (int Merged, int Failed) Collect(IReadOnlyList<ICaseTable> tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        string root = Path.Combine(Directory, CasesFolder);
        var done = new List<CaseRecord>();
        var failures = new List<CaseFailure>();
        if (System.IO.Directory.Exists(root))
        {
            foreach (string file in System.IO.Directory.EnumerateFiles(root, RecordFile, SearchOption.AllDirectories))
            {
                if (Read<CaseRecord>(file) is { Status: CaseRecord.Done } r)
                {
                    done.Add(r);
                }
            }
            foreach (string file in System.IO.Directory.EnumerateFiles(root, FailedFile, SearchOption.AllDirectories))
            {
                if (Read<CaseFailure>(file) is { } f)
                {
                    failures.Add(f);
                }
            }
        }
        done.Sort((a, b) => string.CompareOrdinal(a.Case, b.Case));
        int merged = 0;
        var bodies = tables.Select(t => new StringBuilder(CsvWriter.Line(t.Columns))).ToArray();
        foreach (var record in done)
        {
            var texts = new string[tables.Count];
            bool intact = true;
            for (int t = 0; t < tables.Count && intact; t++)
            {
                string path = TablePath(record.Case, tables[t].Name);
                var listed = record.Outputs.FirstOrDefault(o => o.Path == RelativeToRoot(path));
                intact = listed is not null && File.Exists(path) && CohortFingerprint.OfFile(path) == listed.Sha256;
                if (intact)
                {
                    texts[t] = File.ReadAllText(path);
                    string header = CsvWriter.Line(tables[t].Columns);
                    if (!texts[t].StartsWith(header, StringComparison.Ordinal))
                    {
                        throw new CohortException($"{path}: the header is not {header.TrimEnd('\n')}.");
                    }
                    texts[t] = texts[t][header.Length..];
                }
            }
            if (intact)
            {
                merged++;
                for (int t = 0; t < tables.Count; t++)
                {
                    bodies[t].Append(texts[t]);
                }
            }
        }
        for (int t = 0; t < tables.Count; t++)
        {
            AtomicFile.WriteAllText(CohortTablePath(tables[t].Name), bodies[t].ToString());
        }
        var failed = new CsvWriter(FailureColumns);
        foreach (var f in failures.OrderBy(f => f.Case, StringComparer.Ordinal))
        {
            failed.AddRow(f.Case, f.Source, f.Error);
        }
        failed.WriteAtomically(Path.Combine(Directory, FailuresFile));
        return (merged, failures.Count);
    }

    /// <summary>The completion record of a case, or null when there is none.</summary>
    /// <exception cref="CohortException">The record exists but cannot be parsed.</exception>
    public CaseRecord? ReadRecord(string caseId)
    {
        string path = Path.Combine(CaseFolder(caseId), RecordFile);
        return File.Exists(path) ? Read<CaseRecord>(path) : null;
    }

    private static T? Read<T>(string path) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new CohortException($"{path}: not a valid ThighSeg cohort record ({ex.Message}); delete it to predict the case again.", ex);
        }
    }

    private void WriteRecord(CaseRecord record) =>
        AtomicFile.WriteAllText(Path.Combine(CaseFolder(record.Case), RecordFile), JsonSerializer.Serialize(record, Json));

    private string CaseFolder(string caseId) => Path.Combine(Directory, CasesFolder, Relative(caseId));

    private string RelativeToRoot(string path) => Path.GetRelativePath(Directory, path).Replace('\\', '/');

    private static string Relative(string caseId)
    {
        if (caseId.Length == 0 || Path.IsPathRooted(caseId) || caseId.Split('/', '\\').Any(part => part is "" or "." or ".."))
        {
            throw new CohortException($"'{caseId}' cannot name a case's outputs: ids are relative paths without empty, '.' or '..' parts.");
        }
        return caseId.Replace('/', Path.DirectorySeparatorChar);
    }

    private static string Short(string fingerprint) => fingerprint.Length > 12 ? fingerprint[..12] : fingerprint;

    private static string Now() => DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    private sealed record CaseFailure(string Case, string Source, string Error, string Utc);
}
