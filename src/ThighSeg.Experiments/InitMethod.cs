namespace ThighSeg.Experiments;

/// <summary>How a network is initialised before fine-tuning.</summary>
public enum InitMethod
{
    /// <summary>Random initialisation (no pretraining).</summary>
    Rnd,

    /// <summary>Positional contrastive pretraining.</summary>
    Pcl,

    /// <summary>Global contrastive pretraining with partitions.</summary>
    Gcl,

    /// <summary>SimCLR pretraining.</summary>
    SimClr,
}
