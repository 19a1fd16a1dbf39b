namespace ThighSeg.Core.Phantoms;

/// <summary>The 13 thigh muscles the phantom labels, with their label values (the same value on both sides).</summary>
/// <remarks>
/// The numbering is the phantom's own; nothing else in ThighSeg relies on it (the label set of a dataset always comes
/// from its <c>labels.json</c> or its label volumes).
/// </remarks>
public enum ThighMuscle
{
    /// <summary>Vastus lateralis (VL).</summary>
    VastusLateralis = 1,
    /// <summary>Vastus medialis (VM).</summary>
    VastusMedialis = 2,
    /// <summary>Vastus intermedius (VI).</summary>
    VastusIntermedius = 3,
    /// <summary>Rectus femoris (RF).</summary>
    RectusFemoris = 4,
    /// <summary>Sartorius (SAR).</summary>
    Sartorius = 5,
    /// <summary>Gracilis (GRA).</summary>
    Gracilis = 6,
    /// <summary>Adductor magnus (AM).</summary>
    AdductorMagnus = 7,
    /// <summary>Adductor longus (AL).</summary>
    AdductorLongus = 8,
    /// <summary>Adductor brevis (AB).</summary>
    AdductorBrevis = 9,
    /// <summary>Semimembranosus (SM).</summary>
    Semimembranosus = 10,
    /// <summary>Semitendinosus (ST).</summary>
    Semitendinosus = 11,
    /// <summary>Biceps femoris, long head (BFL).</summary>
    BicepsFemorisLongHead = 12,
    /// <summary>Biceps femoris, short head (BFS).</summary>
    BicepsFemorisShortHead = 13,
}
