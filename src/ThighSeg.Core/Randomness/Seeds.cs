namespace ThighSeg.Core.Randomness;

/// <summary>
/// The one seed mixer of ThighSeg: deterministic, independent seeds for (seed, stream, index) without global state,
/// from the SplitMix64 finaliser. Every seeded component (cohort subjects, slice sampling, augmentation, network
/// initialisation, case splits) derives its generator here, each from its own stream, so changing one does not shift
/// another.
/// </summary>
/// <remarks>Pure and thread-safe.</remarks>
public static class Seeds
{
    /// <summary>Stream of phantom cohort members (index: subject).</summary>
    public const int Cohort = 0;

    /// <summary>Stream of slice sampling (index: epoch).</summary>
    public const int Sampling = 1;

    /// <summary>Stream of training augmentation (index: epoch).</summary>
    public const int Augmentation = 2;

    /// <summary>Stream of network initialisation (index: 0).</summary>
    public const int Initialisation = 3;

    /// <summary>Stream of subject splits (index: 0).</summary>
    public const int Split = 4;

    /// <summary>Stream of bootstrap resampling (index: 0).</summary>
    public const int Bootstrap = 5;

    /// <summary>Stream of class-aware slice draws (index: epoch), separate from <see cref="Sampling"/> so turning them on
    /// leaves the shuffles themselves unchanged.</summary>
    public const int ClassSampling = 6;

    /// <summary>Stream of the seeds of pretraining restarts after a collapse (index: attempt).</summary>
    public const int Restart = 7;

    /// <summary>A non-negative seed for <paramref name="index"/> of <paramref name="stream"/> under <paramref name="seed"/>.</summary>
    public static int Derive(int seed, int stream, long index)
    {
        ulong x = unchecked(((ulong)(uint)seed << 32) ^ ((ulong)(uint)stream << 48) ^ (ulong)index);
        x = unchecked(x + 0x9E3779B97F4A7C15UL);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return (int)(x & 0x7FFFFFFF);
    }
}
