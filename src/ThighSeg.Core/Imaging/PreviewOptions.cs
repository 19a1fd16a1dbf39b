namespace ThighSeg.Core.Imaging;

/// <summary>Options of <see cref="PreviewRenderer.CasePreview"/>. Immutable; each value is validated when set.</summary>
public sealed record PreviewOptions
{
    /// <summary>Relative levels of the axial slices in the labelled extent (0 inferior, 1 superior; 1..8 values in [0, 1];
    /// default 0.25, 0.5, 0.75). Without labels, relative to the stack.</summary>
    public IReadOnlyList<double> Levels
    {
        get;
        init => field = value is { Count: >= 1 and <= 8 } && value.All(v => v is >= 0 and <= 1)
            ? [.. value]
            : throw new ArgumentException($"Levels must be 1 to 8 values in [0, 1], got [{(value is null ? "" : string.Join(", ", value))}].", nameof(Levels));
    } = [0.25, 0.5, 0.75];

    /// <summary>Add a coronal reformat through the labels' anterior-posterior centre (default true).</summary>
    public bool Coronal { get; init; } = true;

    /// <summary>Height of each panel in pixels (64..1024; default 256); widths follow the physical aspect ratio.</summary>
    public int PanelHeight
    {
        get;
        init => field = value is >= 64 and <= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(PanelHeight), value, "PanelHeight must be in [64, 1024].");
    } = 256;

    /// <summary>A title drawn above the panels (e.g. the case identifier), or null.</summary>
    public string? Title { get; init; }

    /// <summary>Defaults.</summary>
    public static PreviewOptions Default { get; } = new();
}
