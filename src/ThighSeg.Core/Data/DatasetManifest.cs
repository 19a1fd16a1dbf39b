using System.Text;
using ThighSeg.Core.Tables;

namespace ThighSeg.Core.Data;

/// <summary>
/// A dataset manifest: <c>manifest.csv</c> with header <c>subject,image,label,split</c>. Paths are relative to the
/// manifest's folder (absolute paths are accepted); <c>label</c> is empty for <c>unlabeled</c> subjects and required for
/// <c>train</c> and <c>test</c>; <c>split</c> is one of <c>unlabeled</c>, <c>train</c>, <c>test</c>. Fields follow RFC 4180
/// (double quotes for fields with commas or quotes).
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class DatasetManifest
{
    /// <summary>The header line.</summary>
    public const string Header = "subject,image,label,split";

    /// <summary>The largest manifest file accepted (64 MiB: about a million subjects).</summary>
    public const long MaxFileBytes = 64L << 20;

    private DatasetManifest(string path, IReadOnlyList<ManifestEntry> entries)
    {
        Path = path;
        Entries = entries;
    }

    /// <summary>Absolute path of the manifest file.</summary>
    public string Path { get; }

    /// <summary>The folder relative paths are resolved against.</summary>
    public string Directory => System.IO.Path.GetDirectoryName(Path) ?? ".";

    /// <summary>Rows in file order.</summary>
    public IReadOnlyList<ManifestEntry> Entries { get; }

    /// <summary>The entries of one split, in file order.</summary>
    public IReadOnlyList<ManifestEntry> InSplit(DatasetSplit split) => [.. Entries.Where(e => e.Split == split)];

    /// <summary>The entry of subject <paramref name="subject"/>.</summary>
    /// <exception cref="DatasetException">No such subject.</exception>
    public ManifestEntry this[string subject] =>
        Entries.FirstOrDefault(e => e.Subject == subject) ?? throw new DatasetException($"{Path}: no subject '{subject}'.");

    /// <summary>The split name as written in the file.</summary>
    public static string SplitName(DatasetSplit split) => split switch
    {
        DatasetSplit.Unlabeled => "unlabeled",
        DatasetSplit.Train => "train",
        DatasetSplit.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown split."),
    };

    /// <summary>Parses a split name (<c>unlabeled</c>, <c>train</c> or <c>test</c>, case-insensitive).</summary>
    public static bool TryParseSplit(string text, out DatasetSplit split)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToLowerInvariant())
        {
            case "unlabeled": split = DatasetSplit.Unlabeled; return true;
            case "train": split = DatasetSplit.Train; return true;
            case "test": split = DatasetSplit.Test; return true;
            default: split = default; return false;
        }
    }

    /// <summary>Reads and validates a manifest.</summary>
    /// <param name="path">The manifest file.</param>
    /// <param name="checkFiles">Check that every image and label file (or DICOM folder) exists (default true).</param>
    /// <exception cref="DatasetException">Missing file, bad header, wrong field count, empty subject, duplicate subject,
    /// unknown split, missing label for train/test, a label for an unlabelled subject, or a missing image/label file. The
    /// message names the file and line.</exception>
    public static DatasetManifest Load(string path, bool checkFiles = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new DatasetException($"Manifest '{full}' does not exist.");
        }
        string dir = System.IO.Path.GetDirectoryName(full) ?? ".";
        // Bounded and regular files only: a FIFO or device named manifest.csv is refused instead of blocking.
        var records = CsvReader.Parse(InputFile.ReadAllText(full, MaxFileBytes, message => new DatasetException(message)),
                message => new DatasetException($"{full}: {message}"))
            .Where(r => !r.IsBlank).ToList();
        if (records.Count == 0)
        {
            throw new DatasetException($"{full}: the manifest is empty; expected the header '{Header}'.");
        }
        var header = records[0].Fields;
        if (header.Count != 4 || !header.Select(h => h.Trim().ToLowerInvariant()).SequenceEqual(["subject", "image", "label", "split"]))
        {
            throw new DatasetException($"{full}: line {records[0].LineNumber}: expected the header '{Header}', got '{string.Join(",", header)}'.");
        }
        var entries = new List<ManifestEntry>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in records.Skip(1))
        {
            int lineNo = record.LineNumber;
            var f = record.Fields;
            if (f.Count != 4)
            {
                throw new DatasetException($"{full}: line {lineNo}: expected 4 fields (subject,image,label,split), got {f.Count}.");
            }
            string subject = f[0].Trim(), image = f[1].Trim(), label = f[2].Trim(), splitText = f[3].Trim();
            if (subject.Length == 0)
            {
                throw new DatasetException($"{full}: line {lineNo}: empty subject.");
            }
            if (seen.TryGetValue(subject, out int prev))
            {
                throw new DatasetException($"{full}: line {lineNo}: subject '{subject}' is already listed on line {prev}; subjects must be unique.");
            }
            seen[subject] = lineNo;
            if (!TryParseSplit(splitText, out var split))
            {
                throw new DatasetException($"{full}: line {lineNo}: unknown split '{splitText}' for subject '{subject}'; use unlabeled, train or test.");
            }
            if (image.Length == 0)
            {
                throw new DatasetException($"{full}: line {lineNo}: subject '{subject}' has no image path.");
            }
            if (split == DatasetSplit.Unlabeled && label.Length > 0)
            {
                throw new DatasetException($"{full}: line {lineNo}: subject '{subject}' is unlabeled but has a label '{label}'; leave the label empty or use split train/test.");
            }
            if (split != DatasetSplit.Unlabeled && label.Length == 0)
            {
                throw new DatasetException($"{full}: line {lineNo}: subject '{subject}' is in split {SplitName(split)} but has no label path.");
            }
            string imagePath = ResolvePath(image, dir, full, lineNo, "image");
            string? labelPath = label.Length == 0 ? null : ResolvePath(label, dir, full, lineNo, "label");
            if (checkFiles)
            {
                if (!File.Exists(imagePath) && !System.IO.Directory.Exists(imagePath))
                {
                    throw new DatasetException($"{full}: line {lineNo}: image of subject '{subject}' not found: '{imagePath}'.");
                }
                if (labelPath is not null && !File.Exists(labelPath))
                {
                    throw new DatasetException($"{full}: line {lineNo}: label of subject '{subject}' not found: '{labelPath}'.");
                }
            }
            entries.Add(new ManifestEntry(subject, imagePath, labelPath, split));
        }
        if (entries.Count == 0)
        {
            throw new DatasetException($"{full}: the manifest lists no subjects.");
        }
        return new DatasetManifest(full, entries);
    }

    /// <summary>A path of the manifest resolved against its folder; a path the platform cannot hold (e.g. a NUL
    /// character) is a <see cref="DatasetException"/> naming the file and line.</summary>
    private static string ResolvePath(string value, string dir, string manifest, int lineNo, string what)
    {
        try
        {
            return System.IO.Path.GetFullPath(value, dir);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new DatasetException($"{manifest}: line {lineNo}: the {what} path is not a valid path ({ex.Message}).", ex);
        }
    }

    /// <summary>Writes a manifest atomically; paths under the manifest's folder are written relative to it.</summary>
    /// <exception cref="DatasetException">Duplicate subjects or a label inconsistent with the split.</exception>
    public static void Write(string path, IEnumerable<ManifestEntry> entries)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(entries);
        string full = System.IO.Path.GetFullPath(path);
        string dir = System.IO.Path.GetDirectoryName(full) ?? ".";
        var sb = new StringBuilder().Append(Header).Append('\n');
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (!seen.Add(e.Subject))
            {
                throw new DatasetException($"Subject '{e.Subject}' appears twice; subjects must be unique.");
            }
            if ((e.Split == DatasetSplit.Unlabeled) != (e.LabelPath is null))
            {
                throw new DatasetException($"Subject '{e.Subject}': split {SplitName(e.Split)} {(e.LabelPath is null ? "needs" : "must not have")} a label.");
            }
            sb.Append(Csv(e.Subject)).Append(',').Append(Csv(Rel(dir, e.ImagePath))).Append(',')
              .Append(e.LabelPath is null ? "" : Csv(Rel(dir, e.LabelPath))).Append(',').Append(SplitName(e.Split)).Append('\n');
        }
        AtomicFile.WriteAllText(full, sb.ToString());
    }

    private static string Rel(string dir, string p)
    {
        string abs = System.IO.Path.GetFullPath(p, dir);
        string rel = System.IO.Path.GetRelativePath(dir, abs);
        return rel.StartsWith("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(rel) ? abs : rel.Replace('\\', '/');
    }

    private static string Csv(string s) => Tables.CsvWriter.Escape(s);
}
