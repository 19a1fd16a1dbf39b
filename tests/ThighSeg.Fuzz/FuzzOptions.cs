namespace ThighSeg.Fuzz;

/// <summary>Settings of one fuzzing run.</summary>
internal sealed record FuzzOptions
{
    /// <summary>Number of mutated inputs (spread round-robin over <see cref="Targets"/>).</summary>
    public int Inputs { get; init; } = 2000;

    /// <summary>Run seed: the same seed, corpus and code give the same inputs.</summary>
    public int Seed { get; init; } = 15;

    /// <summary>Wall-clock cap per input; a longer parse is a finding.</summary>
    public TimeSpan TimeCap { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Cap on the bytes one input may allocate (managed allocations of the parsing thread) or add to the
    /// process's peak working set; more is a finding.</summary>
    public long MemoryCapBytes { get; init; } = 1L << 30;

    /// <summary>The parsers to drive.</summary>
    public IReadOnlyList<FuzzTarget> Targets { get; init; } = Enum.GetValues<FuzzTarget>();

    /// <summary>Scratch folder for the files each input is written to (created and removed by the run).</summary>
    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "thighseg-fuzz-" + Guid.NewGuid().ToString("N"));

    /// <summary>Where findings are saved (input bytes + a .txt with the outcome), or null not to save them.</summary>
    public string? FindingsDirectory { get; init; }
}
