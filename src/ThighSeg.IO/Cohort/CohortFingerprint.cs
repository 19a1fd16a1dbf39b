using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ThighSeg.IO.Cohort;

/// <summary>SHA-256 fingerprints of inputs, models and outputs, as lower-case hex.</summary>
public static class CohortFingerprint
{
    /// <summary>
    /// The identity of a case's input without reading its voxels: its full path, read options, and the name, size and
    /// last write time (UTC ticks) of the file (and of an Analyze <c>.img</c> beside a <c>.hdr</c>) or of every file in
    /// the DICOM folder. Any change of content that touches a file's size or time changes it.
    /// </summary>
    /// <exception cref="CohortException">The input no longer exists.</exception>
    public static string OfInput(CohortCase item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"source={Path.GetFullPath(item.Source)}\nvolume={item.ReadOptions.VolumeIndex}\nseries={item.ReadOptions.SeriesInstanceUid}\n");
        IEnumerable<string> files;
        if (File.Exists(item.Source))
        {
            string img = Path.ChangeExtension(item.Source, ".img");
            files = item.Source.EndsWith(".hdr", StringComparison.OrdinalIgnoreCase) && File.Exists(img) ? [item.Source, img] : [item.Source];
        }
        else if (Directory.Exists(item.Source))
        {
            files = Directory.EnumerateFiles(item.Source).Order(StringComparer.Ordinal);
        }
        else
        {
            throw new CohortException($"{item.Source}: the input of case '{item.Id}' does not exist.");
        }
        foreach (string f in files)
        {
            var info = new FileInfo(f);
            sb.Append(CultureInfo.InvariantCulture, $"{info.Name}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}\n");
        }
        return OfText(sb.ToString());
    }

    /// <summary>The hash of the names and contents of <paramref name="files"/> (e.g. a model's manifest and weights), in the given order.</summary>
    public static string OfFiles(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string f in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(f) + "\n"));
            using var stream = File.OpenRead(f);
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                hash.AppendData(buffer.AsSpan(0, n));
            }
            hash.AppendData("\n"u8);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The hash of one file's content.</summary>
    public static string OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The hash of a UTF-8 string.</summary>
    public static string OfText(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
