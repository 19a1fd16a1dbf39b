using System.Globalization;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Artifacts;

namespace ThighSeg.ML.Internal;

/// <summary>
/// The files of a ThighSeg model artifact folder (<c>manifest.json</c> + weights) held as bytes, so that they can be
/// stored as entries of an ML.NET model zip and written back to a folder. Immutable.
/// </summary>
internal sealed class ArtifactFiles
{
    private readonly SortedDictionary<string, byte[]> _files;

    private const string EntryPrefix = "ThighSeg.";

    private ArtifactFiles(SortedDictionary<string, byte[]> files) => _files = files;

    public int Count => _files.Count;

    /// <summary>The files the manifest in <paramref name="directory"/> names (manifest and weights); checkpoints are left out.</summary>
    /// <exception cref="ModelFormatException">Missing or invalid artifact.</exception>
    public static ArtifactFiles FromDirectory(string directory)
    {
        var manifest = ModelArtifact.ReadManifest(directory);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string name in new[] { ModelArtifact.ManifestFile, manifest.WeightsFile })
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                throw new ModelFormatException($"The model in '{directory}' is incomplete: {name} is missing.");
            }
            files[name] = File.ReadAllBytes(path);
        }
        return new ArtifactFiles(files);
    }

    /// <summary>Files read back from a model zip.</summary>
    /// <exception cref="ModelFormatException">A name that is not a plain file name, or no manifest.</exception>
    public static ArtifactFiles FromEntries(IEnumerable<KeyValuePair<string, byte[]>> entries)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, bytes) in entries)
        {
            CheckName(name);
            files[name] = bytes;
        }
        if (!files.ContainsKey(ModelArtifact.ManifestFile))
        {
            throw new ModelFormatException($"The ThighSeg model inside the ML.NET model has no {ModelArtifact.ManifestFile}.");
        }
        return new ArtifactFiles(files);
    }

    /// <summary>Stores the files in an ML.NET model: their count and names in <paramref name="w"/>, each file as an entry
    /// of the model zip (read back by <see cref="Load"/>).</summary>
    public void Save(Microsoft.ML.ModelSaveContext ctx, BinaryWriter w)
    {
        w.Write(_files.Count);
        foreach (var (name, bytes) in _files)
        {
            w.Write(name);
            MLNetBridge.SaveBinaryStream(ctx, EntryPrefix + name, e => e.Write(bytes));
        }
    }

    /// <summary>Reads back what <see cref="Save"/> stored.</summary>
    /// <exception cref="ModelFormatException">A missing entry, an implausible count or an invalid name.</exception>
    public static ArtifactFiles Load(object ctx, BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count is < 1 or > 64)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"The ThighSeg model inside the ML.NET model lists {count} files."));
        }
        var entries = new List<KeyValuePair<string, byte[]>>();
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString();
            CheckName(name);
            byte[]? bytes = null;
            if (!MLNetBridge.TryLoadBinaryStream(ctx, EntryPrefix + name, e => bytes = e.ReadBytes(checked((int)(e.BaseStream.Length - e.BaseStream.Position)))))
            {
                throw new ModelFormatException($"The ML.NET model lacks the ThighSeg model file '{name}'.");
            }
            entries.Add(KeyValuePair.Create(name, bytes!));
        }
        return FromEntries(entries);
    }

    internal static void CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name != Path.GetFileName(name) || name.StartsWith('.') || name.Contains('\\', StringComparison.Ordinal))
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"Invalid artifact file name '{name}' in the ML.NET model."));
        }
    }

    /// <summary>Writes the files into <paramref name="directory"/> (created when missing), each atomically, manifest last.</summary>
    public void WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var (name, bytes) in _files.Where(f => f.Key != ModelArtifact.ManifestFile))
        {
            AtomicFile.WriteAllBytes(Path.Combine(directory, name), bytes);
        }
        AtomicFile.WriteAllBytes(Path.Combine(directory, ModelArtifact.ManifestFile), _files[ModelArtifact.ManifestFile]);
    }
}
