namespace ThighSeg.Core.Quantification;

/// <summary>How side-specific label values are numbered (names are always <c>&lt;muscle&gt;_right</c> / <c>&lt;muscle&gt;_left</c>).</summary>
public enum SideLabelScheme
{
    /// <summary>Right = 100 + v, left = 200 + v for a muscle of value v (1..99): <c>104</c> is <c>rectus_femoris_right</c>,
    /// <c>204</c> <c>rectus_femoris_left</c>. Works for any label set with values below 100.</summary>
    Offset = 0,

    /// <summary>The MuscleMap code table (7101 vastus_lateralis_left, 7102 vastus_lateralis_right, 7111/7112 vastus_intermedius,
    /// ...; left ends in 1, right in 2). Only for the 13 named thigh muscles (<see cref="SideLabels.MuscleMapCodes"/>).</summary>
    MuscleMap = 1,
}
