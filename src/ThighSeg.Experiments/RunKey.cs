namespace ThighSeg.Experiments;

/// <summary>Identifies one fine-tuning run of an experiment.</summary>
/// <param name="Method">The initialisation.</param>
/// <param name="Size">Labelled-set size S.</param>
/// <param name="Repeat">The draw (0-based).</param>
public readonly record struct RunKey(InitMethod Method, int Size, int Repeat)
{
    /// <summary>The run's folder name, e.g. <c>pcl-S01-r0</c>.</summary>
    public string FolderName => $"{Method.Name()}-S{Size:D2}-r{Repeat}";

    /// <inheritdoc />
    public override string ToString() => $"{Method.Name()} S={Size} repeat {Repeat}";
}
