namespace ThighSeg.Core.Data;

/// <summary>The role of a subject in a dataset.</summary>
public enum DatasetSplit
{
    /// <summary>Image only; used for self-supervised pretraining.</summary>
    Unlabeled,
    /// <summary>Labelled; fine-tuning subsets and validation subjects are drawn from it.</summary>
    Train,
    /// <summary>Labelled; held out for evaluation only.</summary>
    Test,
}
