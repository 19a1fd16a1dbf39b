namespace ThighSeg.Core.Quantification;

/// <summary>Options of <see cref="MuscleQuantifier"/>. Immutable; each value is validated when set.</summary>
public sealed record QuantificationOptions
{
    /// <summary>The case identifier written in every row (non-empty; default <c>case</c>).</summary>
    public string CaseId
    {
        get;
        init => field = !string.IsNullOrWhiteSpace(value) ? value : throw new ArgumentException($"CaseId must not be empty, got '{value}'.", nameof(CaseId));
    } = "case";

    /// <summary>The relative level p (0 = inferior end, 1 = superior end of the side's labelled extent) at which the CSA is
    /// reported (0..1; default 0.5, mid-thigh when the field of view covers the thigh).</summary>
    public double RelativeLevel
    {
        get;
        init => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(RelativeLevel), value, "RelativeLevel must be in [0, 1].");
    } = 0.5;

    /// <summary>Erosion of each muscle mask before fat-fraction statistics, in mm (0..50; default 0): voxels closer than
    /// this to another label or background are left out, to avoid partial-volume edges.</summary>
    public double ErosionMm
    {
        get;
        init => field = value is >= 0 and <= 50 ? value : throw new ArgumentOutOfRangeException(nameof(ErosionMm), value, "ErosionMm must be in [0, 50] mm.");
    } = 0;

    /// <summary>Numbering of side-specific labels when the input is side-less (default <see cref="SideLabelScheme.Offset"/>).</summary>
    public SideLabelScheme SideScheme
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(SideScheme), value, "Unknown side label scheme.");
    } = SideLabelScheme.Offset;

    /// <summary>Defaults.</summary>
    public static QuantificationOptions Default { get; } = new();
}
