using ThighSeg.Core.Volumes;

namespace ThighSeg.IO;

/// <summary>Writes volumes in one format, atomically (a temporary file renamed over the target).</summary>
public interface IVolumeWriter
{
    /// <summary>A short format name.</summary>
    string FormatName { get; }

    /// <summary>True when this writer handles the extension of <paramref name="path"/>.</summary>
    bool CanWrite(string path);

    /// <summary>Writes a float32 image.</summary>
    void WriteImage(string path, Volume<float> image);

    /// <summary>Writes an integer label map, with optional label names (value to name).</summary>
    void WriteLabels(string path, Volume<int> labels, IReadOnlyDictionary<int, string>? labelNames = null);
}
