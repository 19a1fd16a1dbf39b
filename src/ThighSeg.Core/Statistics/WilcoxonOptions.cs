namespace ThighSeg.Core.Statistics;

/// <summary>Options of <see cref="WilcoxonSignedRankTest"/>. Immutable; validated when set.</summary>
public sealed record WilcoxonOptions
{
    /// <summary>Defaults: drop zeros (Wilcox), automatic method choice, continuity correction on, exact up to 50 pairs.</summary>
    public static WilcoxonOptions Default { get; } = new();

    /// <summary>Zero-difference convention; <see cref="WilcoxonZeroMethod.Wilcox"/> by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined value.</exception>
    public WilcoxonZeroMethod ZeroMethod
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(ZeroMethod), value, "Unknown zero method.");
    }

    /// <summary>Requested method; <see cref="WilcoxonMethod.Auto"/> by default. <see cref="WilcoxonMethod.None"/> cannot be requested.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not Auto, Exact or Normal.</exception>
    public WilcoxonMethod Method
    {
        get;
        init => field = value is WilcoxonMethod.Auto or WilcoxonMethod.Exact or WilcoxonMethod.Normal
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Method), value, "Method must be Auto, Exact or Normal.");
    }

    /// <summary>Apply the 0.5 continuity correction in the normal approximation (SciPy's <c>correction=True</c>); true by default.</summary>
    public bool ContinuityCorrection { get; init; } = true;

    /// <summary>Largest number of non-zero differences for which <see cref="WilcoxonMethod.Auto"/> uses the exact distribution; 1 to 1000, default 50.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 1..1000.</exception>
    public int ExactMaxPairs
    {
        get;
        init => field = value is >= 1 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(ExactMaxPairs), value, "ExactMaxPairs must be in 1..1000.");
    } = 50;
}
