namespace ThighSeg.Experiments;

/// <summary>What one run of a study does.</summary>
public enum StudyRunKind
{
    /// <summary>Self-supervised pretraining of one method's encoder on the unlabelled subjects.</summary>
    Pretrain,

    /// <summary>Fine-tuning of one method at one labelled-set size and repeat, then prediction and evaluation of the test subjects.</summary>
    FineTune,
}
