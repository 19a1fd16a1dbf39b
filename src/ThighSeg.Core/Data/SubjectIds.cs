using System.Globalization;

namespace ThighSeg.Core.Data;

/// <summary>
/// The one rule that names a subject (case) after its file or folder, used by every verb, the cohort job and the ML.NET
/// estimators: the file or folder name without a volume extension (<see cref="VolumeExtensions"/>, compared ignoring
/// case; <c>sub-07.nii.gz</c> is <c>sub-07</c>, a DICOM series folder <c>sub-07/</c> is <c>sub-07</c>). Where several
/// inputs of one list get the same id (compared ignoring case, so the outputs named after them stay distinct on any
/// file system), <see cref="Disambiguate"/> makes them unique: each keeps its extension in the id (<c>x_nii</c>,
/// <c>x_nii_gz</c>, <c>x_dicom</c> for <c>x.nii</c>, <c>x.nii.gz</c> and a DICOM folder <c>x</c>), and ids still equal
/// after that (same name in different folders) get <c>-2</c>, <c>-3</c>, ... in list order.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class SubjectIds
{
    /// <summary>The extensions removed from a name, longest first: <c>.nii.gz</c>, <c>.nii</c>, <c>.hdr</c>, <c>.img</c>, <c>.dcm</c>.</summary>
    public static IReadOnlyList<string> VolumeExtensions { get; } = [".nii.gz", ".nii", ".hdr", ".img", ".dcm"];

    /// <summary>The tag of a name without a volume extension (a DICOM series folder): <c>dicom</c>.</summary>
    public const string FolderTag = "dicom";

    /// <summary>The subject id of a file or folder path (see <see cref="SubjectIds"/>); <c>volume</c> for an empty name.</summary>
    public static string FromPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
        return name.Length == 0 ? "volume" : Split(name).Id;
    }

    /// <summary>
    /// A file or folder name split into its subject id and a tag naming the removed extension (<c>nii_gz</c>, <c>nii</c>,
    /// <c>hdr</c>, <c>img</c>, <c>dcm</c>; <see cref="FolderTag"/> when none was removed). A name that is only an
    /// extension (<c>.nii</c>) is kept whole.
    /// </summary>
    public static (string Id, string Tag) Split(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (string ext in VolumeExtensions)
        {
            if (name.Length > ext.Length && name.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                return (name[..^ext.Length], ext[1..].Replace('.', '_').ToLowerInvariant());
            }
        }
        return (name, FolderTag);
    }

    /// <summary>
    /// Unique ids (compared ignoring case) for <paramref name="candidates"/>, in the same order: an id shared by several
    /// candidates gets <c>_</c> and its tag; one still shared after that gets <c>-2</c>, <c>-3</c>, ... from its second
    /// occurrence on. Ids that are already unique are unchanged.
    /// </summary>
    public static IReadOnlyList<string> Disambiguate(IReadOnlyList<(string Id, string Tag)> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var shared = candidates.GroupBy(c => c.Id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => g.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var tagged = candidates.Select(c => shared.Contains(c.Id) ? c.Id + "_" + c.Tag : c.Id).ToList();
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var taken = new HashSet<string>(tagged, StringComparer.OrdinalIgnoreCase);
        var result = new List<string>(tagged.Count);
        foreach (string id in tagged)
        {
            int n = seen.TryGetValue(id, out int k) ? k + 1 : 1;
            seen[id] = n;
            string unique = id;
            while (n > 1 && !taken.Add(unique = string.Create(CultureInfo.InvariantCulture, $"{id}-{n}")))
            {
                n++;
                seen[id] = n;
            }
            result.Add(unique);
        }
        return result;
    }

    /// <summary>Unique subject ids of <paramref name="paths"/> (<see cref="FromPath"/>, then <see cref="Disambiguate"/>), in order.</summary>
    public static IReadOnlyList<string> Distinct(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return Disambiguate([.. paths.Select(p =>
        {
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(p));
            return name.Length == 0 ? ("volume", FolderTag) : Split(name);
        })]);
    }
}
