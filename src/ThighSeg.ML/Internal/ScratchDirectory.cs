namespace ThighSeg.ML.Internal;

/// <summary>A private scratch folder under the system temp folder, deleted on dispose.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory(string purpose)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "thighseg-ml", $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a scratch folder left behind in the temp folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
