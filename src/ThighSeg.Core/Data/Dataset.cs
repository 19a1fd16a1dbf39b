using System.Globalization;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Data;

/// <summary>
/// A dataset on disk: a <see cref="DatasetManifest"/>, its label map and a volume source to read the files.
/// </summary>
/// <remarks>
/// The label map comes from <c>labels.json</c> next to the manifest when present; otherwise from the values found in
/// all label volumes, with generic names (<c>label_N</c>). Nothing assumes a number of labels or a numbering.
/// Loading is lazy (one subject at a time). Thread-safe when the volume source is.
/// </remarks>
public sealed class Dataset
{
    private Dataset(DatasetManifest manifest, LabelMap labels, bool labelsFromFile, IVolumeSource source)
    {
        Manifest = manifest;
        Labels = labels;
        LabelsFromFile = labelsFromFile;
        Source = source;
    }

    /// <summary>The manifest.</summary>
    public DatasetManifest Manifest { get; }

    /// <summary>The label map.</summary>
    public LabelMap Labels { get; }

    /// <summary>True when <see cref="Labels"/> came from <c>labels.json</c>; false when derived from the label volumes.</summary>
    public bool LabelsFromFile { get; }

    /// <summary>The volume source used to read images and labels.</summary>
    public IVolumeSource Source { get; }

    /// <summary>The file name of the label map next to the manifest.</summary>
    public const string LabelMapFileName = "labels.json";

    /// <summary>Opens a dataset.</summary>
    /// <param name="manifestPath">Path of <c>manifest.csv</c>.</param>
    /// <param name="source">Reads images and labels.</param>
    /// <exception cref="DatasetException">The manifest or label map is invalid, or (without <c>labels.json</c>) a label volume is unreadable.</exception>
    public static Dataset Open(string manifestPath, IVolumeSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var manifest = DatasetManifest.Load(manifestPath);
        string labelsPath = Path.Combine(manifest.Directory, LabelMapFileName);
        if (File.Exists(labelsPath))
        {
            return new Dataset(manifest, LabelMap.Load(labelsPath), true, source);
        }
        var values = new SortedSet<int>();
        foreach (var e in manifest.Entries.Where(e => e.LabelPath is not null))
        {
            var lab = VolumeSource.ToLabels(source.Load(e.LabelPath!), e.LabelPath!);
            foreach (int v in lab.Data)
            {
                values.Add(v);
            }
        }
        return new Dataset(manifest, LabelMap.Generic(values), false, source);
    }

    /// <summary>Subject identifiers of one split, in manifest order.</summary>
    public IReadOnlyList<string> SubjectsIn(DatasetSplit split) => [.. Manifest.InSplit(split).Select(e => e.Subject)];

    /// <summary>Loads one subject: its image and, when labelled, its labels validated against the image and the label map.</summary>
    /// <exception cref="DatasetException">Unknown subject, label geometry different from the image's, or label values not in the label map.</exception>
    public LoadedSubject Load(string subject)
    {
        var e = Manifest[subject];
        var image = Source.Load(e.ImagePath);
        Volume<int>? labels = null;
        if (e.LabelPath is not null)
        {
            labels = VolumeSource.ToLabels(Source.Load(e.LabelPath), e.LabelPath);
            CheckLabels(e, image, labels, Labels);
        }
        return new LoadedSubject(e.Subject, e.Split, image, labels);
    }

    /// <summary>Checks that <paramref name="labels"/> match <paramref name="image"/>'s geometry and use only values of <paramref name="map"/>.</summary>
    /// <exception cref="DatasetException">They do not; the message names the subject, the files and the difference.</exception>
    public static void CheckLabels(ManifestEntry entry, Volume<float> image, Volume<int> labels, LabelMap map)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(map);
        if (image.Shape != labels.Shape)
        {
            throw new DatasetException($"Subject '{entry.Subject}': label '{entry.LabelPath}' has shape {labels.Shape} but image '{entry.ImagePath}' has {image.Shape}.");
        }
        if (!labels.Affine.ApproximatelyEquals(image.Affine, 1e-3))
        {
            throw new DatasetException($"Subject '{entry.Subject}': label '{entry.LabelPath}' affine {labels.Affine} differs from image '{entry.ImagePath}' affine {image.Affine}.");
        }
        var unknown = new SortedSet<int>();
        foreach (int v in labels.Data)
        {
            if (!map.Contains(v))
            {
                unknown.Add(v);
            }
        }
        if (unknown.Count > 0)
        {
            throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                $"Subject '{entry.Subject}': label '{entry.LabelPath}' contains values absent from the label map: {string.Join(", ", unknown.Take(20))}."));
        }
    }
}
