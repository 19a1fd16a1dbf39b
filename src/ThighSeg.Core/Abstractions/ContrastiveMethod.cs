namespace ThighSeg.Core.Abstractions;

/// <summary>Self-supervised pretraining method.</summary>
public enum ContrastiveMethod
{
    /// <summary>Positional contrastive learning: positives are slices whose normalised positions differ by less than the threshold.</summary>
    Pcl,

    /// <summary>Global contrastive learning, partition strategy: positives are slices in the same of <c>P</c> equal partitions along z.</summary>
    Gcl,

    /// <summary>SimCLR: the only positive is the other view of the same slice.</summary>
    SimClr,
}
