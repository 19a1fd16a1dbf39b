namespace ThighSeg.Core;

/// <summary>Atomic file writes: data go to a temporary file in the target folder, which is then renamed over the target.</summary>
/// <remarks>A crash or error mid-write leaves any existing target untouched; the temporary file a killed write leaves
/// (<c>.{name}.{guid}.tmp</c>) is removed by the next successful write of the same target. Thread-safe for distinct targets.</remarks>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically, creating the folder if needed.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes text (UTF-8, no byte-order mark) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, new System.Text.UTF8Encoding(false).GetBytes(text));
    }

    /// <summary>Runs <paramref name="write"/> on a temporary file next to <paramref name="path"/>, then renames it over the target.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        DateTime started = DateTime.UtcNow;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
            RemoveStaleTemps(full, started);
        }
        finally
        {
            if (File.Exists(tmp))
            {
                File.Delete(tmp);
            }
        }
    }

    /// <summary>
    /// The target file name of a temporary file name this class makes (<c>.{name}.{32 hex digits}.tmp</c>), or null when
    /// <paramref name="tempFileName"/> is not one.
    /// </summary>
    public static string? TargetOfTemp(string tempFileName)
    {
        ArgumentNullException.ThrowIfNull(tempFileName);
        // "." + name + "." + 32 hex + ".tmp"
        if (tempFileName.Length < 1 + 1 + 1 + 32 + 4 || tempFileName[0] != '.' || !tempFileName.EndsWith(".tmp", StringComparison.Ordinal))
        {
            return null;
        }
        string guid = tempFileName.Substring(tempFileName.Length - 4 - 32, 32);
        if (tempFileName[tempFileName.Length - 4 - 33] != '.' || !guid.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }
        return tempFileName[1..(tempFileName.Length - 4 - 33)];
    }

    /// <summary>
    /// Deletes temporary files of <paramref name="path"/> left by a killed write: those of the same target last written
    /// before <paramref name="olderThanUtc"/> (a write still in progress elsewhere keeps touching its own). Returns how
    /// many were removed; files that cannot be removed are left alone.
    /// </summary>
    public static int RemoveStaleTemps(string path, DateTime olderThanUtc)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (dir is null || !Directory.Exists(dir))
        {
            return 0;
        }
        string name = Path.GetFileName(full);
        int removed = 0;
        try
        {
            foreach (string candidate in Directory.EnumerateFiles(dir, "." + name + ".*.tmp"))
            {
                if (TargetOfTemp(Path.GetFileName(candidate)) == name && File.GetLastWriteTimeUtc(candidate) < olderThanUtc)
                {
                    try
                    {
                        File.Delete(candidate);
                        removed++;
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        // another process's file, or already gone
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // the folder cannot be listed: nothing to clean
        }
        return removed;
    }
}
