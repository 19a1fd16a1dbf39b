using ThighSeg.Core.Data;
using ThighSeg.IO.Dicom;

namespace ThighSeg.IO.Cohort;

/// <summary>
/// Finds the cases of a cohort job: a NIfTI file or DICOM series folder (one case), a dataset manifest
/// (<c>subject,image,label,split</c>; one case per row, named by subject), or a folder searched recursively, where every
/// NIfTI file (<c>.nii</c>, <c>.nii.gz</c>, <c>.hdr</c>) is a case and every folder holding DICOM files is a case
/// (one series; a folder with several needs <see cref="VolumeReadOptions.SeriesInstanceUid"/>).
/// </summary>
/// <remarks>
/// Case ids are the paths relative to the input folder, without the image extension, with <c>/</c> separators, made
/// unique by the one subject-id rule (<see cref="SubjectIds"/>): where two inputs would get the same id (<c>x.nii</c>
/// and <c>x.nii.gz</c>, or a file <c>x.nii.gz</c> and a DICOM folder <c>x</c>, compared ignoring case), each of them
/// keeps its extension in the id (<c>x_nii</c>, <c>x_nii_gz</c>, <c>x_dicom</c>). Hidden files and folders (starting with <c>.</c>) and the excluded folder are skipped. The list is
/// sorted by id (ordinal), so every process that lists the same input gets the same list.
/// </remarks>
public static class CohortCases
{
    private static readonly string[] NiftiExtensions = [".nii.gz", ".nii", ".hdr"];

    /// <summary>The cases of <paramref name="input"/>, sorted by id.</summary>
    /// <param name="input">A NIfTI file, a DICOM file or series folder, a manifest <c>.csv</c>, or a folder of those.</param>
    /// <param name="readOptions">Read options given to every case.</param>
    /// <param name="exclude">A folder never searched (the job's output folder), or null.</param>
    /// <exception cref="CohortException">The input does not exist, or holds no cases.</exception>
    public static IReadOnlyList<CohortCase> Discover(string input, VolumeReadOptions readOptions, string? exclude = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(readOptions);
        string full = Path.GetFullPath(input);
        var found = new List<(string Id, string Source, string Tag)>();
        if (File.Exists(full))
        {
            if (full.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                return FromManifest(full, readOptions);
            }
            var (stem, tag) = SubjectIds.Split(Path.GetFileName(full));
            found.Add((stem, full, tag));
        }
        else if (Directory.Exists(full))
        {
            string? excluded = exclude is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(exclude));
            Walk(full, full, excluded, found);
        }
        else
        {
            throw new CohortException($"No such file or folder: {input}");
        }
        if (found.Count == 0)
        {
            throw new CohortException($"{input}: no NIfTI files (.nii, .nii.gz, .hdr) and no DICOM series found (searched recursively).");
        }
        var ids = SubjectIds.Disambiguate([.. found.Select(f => (f.Id, f.Tag))]);
        var cases = found.Select((f, i) => new CohortCase(ids[i], f.Source, readOptions))
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .ToList();
        return cases;
    }

    /// <summary>One case per row of a dataset manifest (any split), named by its subject, sorted by id.</summary>
    /// <exception cref="CohortException">The manifest is malformed, or names a subject twice.</exception>
    public static IReadOnlyList<CohortCase> FromManifest(string manifestPath, VolumeReadOptions readOptions)
    {
        ArgumentNullException.ThrowIfNull(readOptions);
        DatasetManifest manifest;
        try
        {
            manifest = DatasetManifest.Load(manifestPath, checkFiles: false);
        }
        catch (DatasetException ex)
        {
            throw new CohortException(ex.Message, ex);
        }
        var cases = manifest.Entries.Select(e => new CohortCase(e.Subject, e.ImagePath, readOptions)).OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        if (cases.Count == 0)
        {
            throw new CohortException($"{manifestPath}: the manifest lists no subjects.");
        }
        return cases;
    }

    /// <summary>True when the case's source is a DICOM series (a folder, or a file that is not NIfTI).</summary>
    public static bool IsDicom(CohortCase item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Directory.Exists(item.Source) || !NiftiExtensions.Any(e => item.Source.EndsWith(e, StringComparison.OrdinalIgnoreCase));
    }

    private static void Walk(string root, string dir, string? excluded, List<(string Id, string Source, string Tag)> found)
    {
        if (excluded is not null && string.Equals(Path.TrimEndingDirectorySeparator(dir), excluded, StringComparison.Ordinal))
        {
            return;
        }
        string relativeDir = Path.GetRelativePath(root, dir).Replace('\\', '/');
        string prefix = relativeDir == "." ? "" : relativeDir + "/";
        foreach (string file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(file);
            if (!name.StartsWith('.') && NiftiExtensions.Any(e => name.Length > e.Length && name.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            {
                var (stem, tag) = SubjectIds.Split(name);
                found.Add((prefix + stem, file, tag));
            }
        }
        if (new DicomSeriesReader().CanRead(dir))
        {
            found.Add((relativeDir == "." ? Path.GetFileName(dir) : relativeDir, dir, SubjectIds.FolderTag));
        }
        foreach (string sub in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            if (!Path.GetFileName(sub).StartsWith('.'))
            {
                Walk(root, sub, excluded, found);
            }
        }
    }
}
