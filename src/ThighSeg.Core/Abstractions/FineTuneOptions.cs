namespace ThighSeg.Core.Abstractions;

/// <summary>
/// Segmentation fine-tuning hyper-parameters: Adam with cosine decay from <see cref="LearningRate"/> to
/// <see cref="MinLearningRate"/> per iteration, cross-entropy plus <see cref="DiceWeight"/> times soft Dice, model
/// selection on <see cref="ValidationFraction"/> of the training subjects. Defaults are ThighSeg's (measured on
/// phantoms at CPU budgets: lr 1e-3 and Dice + cross-entropy), not the reference's (lr 5e-5, cross-entropy only).
/// Immutable; validated at construction.
/// </summary>
public sealed record FineTuneOptions
{
    /// <summary>Creates the options; every argument is validated.</summary>
    /// <param name="network">U-Net configuration; must match the pretrained encoder's when one is used. Null gives the defaults.</param>
    /// <param name="epochs">Epochs; one epoch is <paramref name="stepsPerEpoch"/> steps, or one pass over all labelled slices.</param>
    /// <param name="stepsPerEpoch">Fixed steps per epoch (batches from a reshuffled stream), or null.</param>
    /// <param name="batchSize">Slices per batch.</param>
    /// <param name="learningRate">Initial Adam learning rate.</param>
    /// <param name="minLearningRate">Final learning rate of the cosine decay, at most <paramref name="learningRate"/>.</param>
    /// <param name="weightDecay">Adam weight decay.</param>
    /// <param name="diceWeight">Weight of the soft Dice term added to cross-entropy; 0 gives cross-entropy only.</param>
    /// <param name="validationFraction">Fraction of training subjects held out for model selection, in [0, 0.9]. With fewer than
    /// two subjects, or 0, no validation is done and the last epoch is kept.</param>
    /// <param name="validateEvery">Epochs between validations.</param>
    /// <param name="augmentation">Training augmentation; null gives the reference recipe.</param>
    /// <param name="seed">Seed of initialisation, split, sampling and augmentation.</param>
    /// <param name="logInterval">Steps between loss reports.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    public FineTuneOptions(
        UNetOptions? network = null,
        int epochs = 100,
        int? stepsPerEpoch = null,
        int batchSize = 10,
        double learningRate = 1e-3,
        double minLearningRate = 1e-5,
        double weightDecay = 1e-5,
        double diceWeight = 1.0,
        double validationFraction = 0.2,
        int validateEvery = 1,
        AugmentationOptions? augmentation = null,
        int seed = 0,
        int logInterval = 10)
    {
        Check.InRange(epochs, 1, 1_000_000, nameof(epochs));
        if (stepsPerEpoch is int spe)
        {
            Check.InRange(spe, 1, 10_000_000, nameof(stepsPerEpoch));
        }
        Check.InRange(batchSize, 1, 65536, nameof(batchSize));
        Check.Positive(learningRate, nameof(learningRate));
        Check.InRange(minLearningRate, 0, learningRate, nameof(minLearningRate));
        Check.NonNegative(weightDecay, nameof(weightDecay));
        Check.InRange(diceWeight, 0, 1000, nameof(diceWeight));
        Check.InRange(validationFraction, 0, 0.9, nameof(validationFraction));
        Check.InRange(validateEvery, 1, 1_000_000, nameof(validateEvery));
        Check.InRange(logInterval, 1, 1_000_000, nameof(logInterval));
        Network = network ?? new UNetOptions();
        Epochs = epochs;
        StepsPerEpoch = stepsPerEpoch;
        BatchSize = batchSize;
        LearningRate = learningRate;
        MinLearningRate = minLearningRate;
        WeightDecay = weightDecay;
        DiceWeight = diceWeight;
        ValidationFraction = validationFraction;
        ValidateEvery = validateEvery;
        Augmentation = augmentation ?? new AugmentationOptions();
        Seed = seed;
        LogInterval = logInterval;
    }

    /// <summary>U-Net configuration.</summary>
    public UNetOptions Network { get; }

    /// <summary>Epochs.</summary>
    public int Epochs { get; }

    /// <summary>Fixed steps per epoch, or null for one pass over the labelled slices.</summary>
    public int? StepsPerEpoch { get; }

    /// <summary>Slices per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>Final learning rate.</summary>
    public double MinLearningRate { get; }

    /// <summary>Weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>Soft-Dice weight.</summary>
    public double DiceWeight { get; }

    /// <summary>Validation fraction of training subjects.</summary>
    public double ValidationFraction { get; }

    /// <summary>Epochs between validations.</summary>
    public int ValidateEvery { get; }

    /// <summary>Training augmentation.</summary>
    public AugmentationOptions Augmentation { get; }

    /// <summary>Seed.</summary>
    public int Seed { get; init; }

    /// <summary>Steps between loss reports.</summary>
    public int LogInterval { get; }

    /// <summary>
    /// Multiplies the learning rate of the encoder (the part a pretrained encoder initialises) relative to the decoder,
    /// in [0, 1]; 1 (the default) trains every layer alike, 0 freezes the encoder. Lower values keep more of a pretrained
    /// encoder when very few labelled subjects are available.
    /// </summary>
    public double EncoderLearningRateScale
    {
        get;
        init
        {
            Check.InRange(value, 0, 1, nameof(EncoderLearningRateScale));
            field = value;
        }
    } = 1.0;
}
