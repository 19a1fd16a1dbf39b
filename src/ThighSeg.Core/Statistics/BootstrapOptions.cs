namespace ThighSeg.Core.Statistics;

/// <summary>Options of <see cref="PairedBootstrap"/>. Immutable; validated when set.</summary>
public sealed record BootstrapOptions
{
    /// <summary>Defaults: 10,000 resamples, a 95% interval, seed 0.</summary>
    public static BootstrapOptions Default { get; } = new();

    /// <summary>Number of bootstrap resamples; 100 to 10,000,000, default 10,000.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 100..10,000,000.</exception>
    public int Resamples
    {
        get;
        init => field = value is >= 100 and <= 10_000_000 ? value : throw new ArgumentOutOfRangeException(nameof(Resamples), value, "Resamples must be in 100..10000000.");
    } = 10_000;

    /// <summary>Coverage of the two-sided interval, strictly between 0 and 1; default 0.95.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not in (0, 1).</exception>
    public double Level
    {
        get;
        init => field = value is > 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Level), value, "Level must be strictly between 0 and 1.");
    } = 0.95;

    /// <summary>Seed of the resampling (through <see cref="Randomness.Seeds"/>, stream <see cref="Randomness.Seeds.Bootstrap"/>); the same seed gives the same interval.</summary>
    public int Seed { get; init; }
}
