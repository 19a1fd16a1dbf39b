namespace ThighSeg.Core.Phantoms;

/// <summary>Tissue classes of the phantom (ground truth for tests of image/label consistency).</summary>
public enum PhantomTissue
{
    /// <summary>Outside the body.</summary>
    Air = 0,
    /// <summary>Skin.</summary>
    Skin = 1,
    /// <summary>Subcutaneous fat.</summary>
    SubcutaneousFat = 2,
    /// <summary>Muscle fascia (fascia lata and dark intermuscular aponeuroses).</summary>
    Fascia = 3,
    /// <summary>Intermuscular fat and fatty septa between muscles.</summary>
    IntermuscularFat = 4,
    /// <summary>Muscle (labelled or not).</summary>
    Muscle = 5,
    /// <summary>Cortical bone.</summary>
    CorticalBone = 6,
    /// <summary>Bone marrow.</summary>
    Marrow = 7,
    /// <summary>Blood vessel (flow void).</summary>
    Vessel = 8,
    /// <summary>Nerve.</summary>
    Nerve = 9,
}
