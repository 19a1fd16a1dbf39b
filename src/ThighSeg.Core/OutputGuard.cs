namespace ThighSeg.Core;

/// <summary>
/// The one rule every verb applies before it writes: an output never replaces one of the command's inputs (a file, or a
/// file inside an input folder), and a folder that already holds something else is not written into unless the caller
/// allows it. Paths are compared after <see cref="Path.GetFullPath(string)"/> and after resolving symbolic links, so a
/// link to an input is the input.
/// </summary>
/// <remarks>
/// Messages name the paths and the roles the caller gives (for the CLI, its option names); the guard itself never
/// writes or deletes anything. Thread-safe.
/// </remarks>
public static class OutputGuard
{
    /// <summary>
    /// Refuses <paramref name="output"/> (a file to be written) when it is, or resolves to, one of the
    /// <paramref name="inputs"/>: an input file itself, or an existing file inside an input folder.
    /// </summary>
    /// <param name="output">The file about to be written.</param>
    /// <param name="outputRole">What the output is, for the message (e.g. <c>--out</c>).</param>
    /// <param name="inputs">The command's inputs with their roles; null paths are ignored.</param>
    /// <exception cref="OutputConflictException">The output would replace an input.</exception>
    public static void RefuseInputs(string output, string outputRole, params (string? Path, string Role)[] inputs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        ArgumentNullException.ThrowIfNull(inputs);
        string target = Canonical(output);
        foreach (var (path, role) in inputs)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                continue;
            }
            string input = Canonical(path);
            if (SamePath(target, input))
            {
                throw new OutputConflictException($"{outputRole} ({output}) is the {role} input ({path}); refusing to replace an input. Choose another output path.");
            }
            if (Directory.Exists(input) && IsInside(target, input) && (File.Exists(output) || Directory.Exists(output)))
            {
                throw new OutputConflictException($"{outputRole} ({output}) would replace a file inside the {role} input folder ({path}); refusing to replace an input. Choose another output path.");
            }
        }
    }

    /// <summary>
    /// Refuses a folder to be written into when it exists and is not empty (hidden temporary files of a killed write,
    /// <c>.*.tmp</c>, do not count), unless <paramref name="allowNonEmpty"/> is true.
    /// </summary>
    /// <param name="folder">The output folder.</param>
    /// <param name="role">What the folder is, for the message.</param>
    /// <param name="allowNonEmpty">The user asked to write into an existing folder anyway.</param>
    /// <param name="hint">What to do instead, appended to the message (e.g. how to allow it).</param>
    /// <exception cref="OutputConflictException">The folder holds files or folders.</exception>
    public static void RequireEmptyFolder(string folder, string role, bool allowNonEmpty, string? hint = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (File.Exists(folder))
        {
            throw new OutputConflictException($"{role} ({folder}) is a file, not a folder.");
        }
        if (allowNonEmpty || !Directory.Exists(folder))
        {
            return;
        }
        var entries = Directory.EnumerateFileSystemEntries(folder).Where(e => !IsStaleTemp(Path.GetFileName(e))).Take(4).ToList();
        if (entries.Count > 0)
        {
            throw new OutputConflictException(
                $"{role} ({folder}) is not empty (it holds {string.Join(", ", entries.Take(3).Select(Path.GetFileName))}{(entries.Count > 3 ? ", ..." : "")}); " +
                $"refusing to replace or mix with files this run did not write.{(hint is null ? "" : " " + hint)}");
        }
    }

    /// <summary>
    /// Refuses a folder that holds another run's results: one of <paramref name="results"/> (files a finished run
    /// leaves, e.g. a model's manifest and weights) exists in it but <paramref name="ownRecord"/> (the record a run of
    /// the same kind keeps to resume, e.g. its checkpoint) does not, so nothing says the results are this run's to
    /// replace. Allowed when <paramref name="allowOverwrite"/> is true or when the folder does not exist.
    /// </summary>
    /// <param name="folder">The output folder.</param>
    /// <param name="role">What the folder is, for the message.</param>
    /// <param name="allowOverwrite">The user asked to replace the results.</param>
    /// <param name="ownRecord">File name (in <paramref name="folder"/>) whose presence marks a run this one resumes.</param>
    /// <param name="results">File names (in <paramref name="folder"/>) of a finished run's results.</param>
    /// <param name="hint">What to do instead, appended to the message (e.g. how to allow it).</param>
    /// <exception cref="OutputConflictException">The folder holds results and no record of a run to resume.</exception>
    public static void RefuseOtherRunsResults(string folder, string role, bool allowOverwrite, string ownRecord, IReadOnlyList<string> results, string? hint = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentException.ThrowIfNullOrWhiteSpace(ownRecord);
        ArgumentNullException.ThrowIfNull(results);
        if (File.Exists(folder))
        {
            throw new OutputConflictException($"{role} ({folder}) is a file, not a folder.");
        }
        if (allowOverwrite || !Directory.Exists(folder) || File.Exists(Path.Combine(folder, ownRecord)))
        {
            return;
        }
        string? found = results.FirstOrDefault(r => File.Exists(Path.Combine(folder, r)) || Directory.Exists(Path.Combine(folder, r)));
        if (found is not null)
        {
            throw new OutputConflictException(
                $"{role} ({folder}) holds {Path.Combine(folder, found)} from another run (there is no {ownRecord} of a run to resume); " +
                $"refusing to replace results this run did not write.{(hint is null ? "" : " " + hint)}");
        }
    }

    /// <summary>True for the name of a temporary file <see cref="AtomicFile"/> leaves when a write is killed (<c>.{name}.{guid}.tmp</c>).</summary>
    public static bool IsStaleTemp(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return fileName.Length > 38 && fileName[0] == '.' && fileName.EndsWith(".tmp", StringComparison.Ordinal) && AtomicFile.TargetOfTemp(fileName) is not null;
    }

    /// <summary>The full path with symbolic links (of the path itself and, when it does not exist yet, of its folder) resolved.</summary>
    internal static string Canonical(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            var info = new FileInfo(full);
            if (info.Exists || Directory.Exists(full))
            {
                FileSystemInfo? target = File.ResolveLinkTarget(full, returnFinalTarget: true);
                if (target is not null)
                {
                    full = Path.GetFullPath(target.FullName);
                }
            }
            string? dir = Path.GetDirectoryName(full);
            if (dir is not null && Directory.Exists(dir))
            {
                FileSystemInfo? dirTarget = Directory.ResolveLinkTarget(dir, returnFinalTarget: true);
                if (dirTarget is not null)
                {
                    full = Path.Combine(Path.GetFullPath(dirTarget.FullName), Path.GetFileName(full));
                }
            }
        }
        catch (IOException)
        {
            // a link loop or unreadable link: compare the plain full path
        }
        return Path.TrimEndingDirectorySeparator(full);
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(a, b, OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static bool IsInside(string path, string folder)
    {
        string rel = Path.GetRelativePath(folder, path);
        return rel != "." && !rel.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(rel);
    }
}
