namespace ThighSeg.Core.Metrics;

/// <summary>Which of the two masks of a label contain at least one voxel.</summary>
public enum LabelPresence
{
    /// <summary>Both the reference and the prediction contain the label.</summary>
    Both,

    /// <summary>Only the reference contains the label (the prediction missed it entirely).</summary>
    ReferenceOnly,

    /// <summary>Only the prediction contains the label (a structure predicted where the reference has none).</summary>
    PredictionOnly,

    /// <summary>Neither contains the label.</summary>
    Neither,
}
