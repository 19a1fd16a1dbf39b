namespace ThighSeg.Core.Quantification;

/// <summary>The subject's side a structure belongs to, decided anatomically from the RAS+ world geometry.</summary>
public enum AnatomicalSide
{
    /// <summary>Patient right (toward +x in NIfTI's RAS+ world).</summary>
    Right = 1,

    /// <summary>Patient left (toward -x in RAS+).</summary>
    Left = 2,
}
