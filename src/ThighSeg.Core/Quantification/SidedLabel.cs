namespace ThighSeg.Core.Quantification;

/// <summary>One side-specific label: its value and name in the sided label map, and the muscle and side it stands for.</summary>
/// <param name="Value">The side-specific label value.</param>
/// <param name="Name">The side-specific name, <c>&lt;muscle&gt;_right</c> or <c>&lt;muscle&gt;_left</c>.</param>
/// <param name="Muscle">The muscle name without side (e.g. <c>vastus_lateralis</c>).</param>
/// <param name="MuscleValue">The muscle's label value in the side-less label map (0 when the input was already sided and had no side-less value).</param>
/// <param name="Side">The side.</param>
public sealed record SidedLabel(int Value, string Name, string Muscle, int MuscleValue, AnatomicalSide Side);
